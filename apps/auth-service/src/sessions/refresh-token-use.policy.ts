/** What is known of a presented refresh token (NumericDate seconds, fractions allowed). */
export interface RefreshTokenFacts {
  /** 1 for the login's token, +1 per rotation. */
  generation: number;
  /** When its successor replaced it; `null` while it is the live one. */
  rotatedAt: number | null;
  /** When the reuse grace accepted it once more; `null` if never. */
  graceUsedAt: number | null;
  /** The generation of its session's live token; `null` when the session has none. */
  liveGeneration: number | null;
}

/**
 * How a presented refresh token of an open session is treated: `rotate` (the live one: a new token replaces it),
 * `grace` (accepted once more without a new refresh token), `reuse` (a dead token: the session is taken for stolen).
 */
export type RefreshTokenUse = 'rotate' | 'grace' | 'reuse';

/**
 * Decides {@link RefreshTokenUse}. The grace covers two refreshes of one client racing with the same token: only the
 * immediately previous token (the live one's predecessor), only within `graceSeconds` after its rotation, only once.
 * With a grace of 0 every second use is reuse.
 *
 * @example
 * refreshTokenUse({ generation: 1, rotatedAt: 100, graceUsedAt: null, liveGeneration: 2 }, 103, 5); // 'grace'
 * refreshTokenUse({ generation: 1, rotatedAt: 100, graceUsedAt: null, liveGeneration: 3 }, 103, 5); // 'reuse'
 */
export function refreshTokenUse(token: RefreshTokenFacts, nowS: number, graceSeconds: number): RefreshTokenUse {
  if (token.rotatedAt === null) return 'rotate';
  const immediatelyPrevious = token.liveGeneration !== null && token.generation === token.liveGeneration - 1;
  const inWindow = graceSeconds > 0 && nowS - token.rotatedAt <= graceSeconds;
  return immediatelyPrevious && inWindow && token.graceUsedAt === null ? 'grace' : 'reuse';
}
