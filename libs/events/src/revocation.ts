import { EVENT_TYPES } from './event-types.js';

/**
 * What a revocation hits: one token (`jti`), a session (`sid`), a subject (`sub`), a client (`client`) or a
 * signing key (`kid`).
 *
 * @example
 * ```ts
 * const type: RevocationTargetType = 'sid';
 * ```
 */
export type RevocationTargetType = 'jti' | 'sid' | 'sub' | 'client' | 'kid';

/**
 * Every {@link RevocationTargetType}, in a fixed order.
 *
 * @example
 * ```ts
 * REVOCATION_TARGET_TYPES.includes(value as RevocationTargetType);
 * ```
 */
export const REVOCATION_TARGET_TYPES: readonly RevocationTargetType[] = ['jti', 'sid', 'sub', 'client', 'kid'];

/**
 * The event type URI that carries a revocation of each target type by default (see {@link REVOCATION_EVENT_TARGETS}
 * for the others a `sub` cut-off may travel as).
 *
 * @example
 * ```ts
 * REVOCATION_EVENT_TYPES.sid; // CAEP session-revoked
 * ```
 */
export const REVOCATION_EVENT_TYPES = {
  jti: EVENT_TYPES.tokenRevoked,
  sid: EVENT_TYPES.sessionRevoked,
  sub: EVENT_TYPES.subjectRevoked,
  client: EVENT_TYPES.clientRevoked,
  kid: EVENT_TYPES.keyRevoked,
} as const satisfies Record<RevocationTargetType, string>;

/**
 * Every event type URI a revocation may travel as, with the target type it carries: the default of each target type
 * ({@link REVOCATION_EVENT_TYPES}), and for a `sub` cut-off caused by a change of the user the CAEP types
 * `credential-change` (password changed, user disabled) and `token-claims-change` (roles changed). Consumers apply
 * all three `sub` types alike: a subject cut-off.
 *
 * @example
 * ```ts
 * REVOCATION_EVENT_TARGETS[EVENT_TYPES.credentialChange]; // 'sub'
 * ```
 */
export const REVOCATION_EVENT_TARGETS = {
  [EVENT_TYPES.tokenRevoked]: 'jti',
  [EVENT_TYPES.sessionRevoked]: 'sid',
  [EVENT_TYPES.subjectRevoked]: 'sub',
  [EVENT_TYPES.credentialChange]: 'sub',
  [EVENT_TYPES.tokenClaimsChange]: 'sub',
  [EVENT_TYPES.clientRevoked]: 'client',
  [EVENT_TYPES.keyRevoked]: 'kid',
} as const satisfies Record<string, RevocationTargetType>;

/**
 * Any event type URI a revocation may travel as (a key of {@link REVOCATION_EVENT_TARGETS}).
 *
 * @example
 * ```ts
 * const type: RevocationEventType = EVENT_TYPES.tokenClaimsChange;
 * ```
 */
export type RevocationEventType = keyof typeof REVOCATION_EVENT_TARGETS;

/**
 * What was revoked and for how long it matters.
 *
 * @example
 * ```ts
 * const revocation: Revocation = {
 *   target: { type: 'sub', value: 'user-42' },
 *   revokedAt: 1_790_000_000, // tokens with iat <= revokedAt are refused
 *   expiresAt: 1_790_000_300, // consumers prune the entry after this
 *   reason: 'password changed',
 *   eventType: EVENT_TYPES.credentialChange, // optional: subject-revoked by default for a `sub` target
 * };
 * ```
 */
export interface Revocation {
  target: { type: RevocationTargetType; value: string };
  /**
   * NumericDate (s). For sub/client, tokens with `iat <= revokedAt` are hit (a later re-authentication passes);
   * jti, sid and kid revocations hit every token with that id, session or key, so it is informational there.
   */
  revokedAt: number;
  /** NumericDate (s): until when the revocation matters (exp of the longest token it can hit). */
  expiresAt: number;
  reason?: string;
  /**
   * The event type URI it travels as; it must carry the target type ({@link REVOCATION_EVENT_TARGETS}). Absent: the
   * target type's default ({@link REVOCATION_EVENT_TYPES}).
   */
  eventType?: RevocationEventType;
}

/**
 * The event type URI a revocation travels as: its own `eventType`, else its target type's default.
 *
 * @example
 * ```ts
 * revocationEventType({ target: { type: 'sub', value: 'u-1' }, revokedAt, expiresAt }); // subject-revoked
 * ```
 */
export function revocationEventType(revocation: Revocation): RevocationEventType {
  return revocation.eventType ?? REVOCATION_EVENT_TYPES[revocation.target.type];
}

/**
 * A {@link Revocation} read back from a verified SET, with the SET's `jti` and `iat`.
 *
 * @example
 * ```ts
 * const r: VerifiedRevocation = parseRevocationEvent(await verifySecurityEvent(value, options));
 * log.info('revocation', { eventId: r.eventId, type: r.target.type });
 * ```
 */
export type VerifiedRevocation = Revocation & { eventId: string; issuedAt: number };

/**
 * The Kafka record key of a revocation: `<type>:<value>`, so compaction keeps the latest event per target.
 *
 * @example
 * ```ts
 * revocationRecordKey({ type: 'jti', value: 'abc' }); // 'jti:abc'
 * ```
 */
export function revocationRecordKey(target: Revocation['target']): string {
  return `${target.type}:${target.value}`;
}
