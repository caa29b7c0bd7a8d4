import type { SqlExecutor } from '../storage/database.js';
import type { RefreshTokenFacts } from './refresh-token-use.policy.js';
import type { SessionTimes } from './session-lapse.policy.js';

/** A session as stored (times in NumericDate seconds, fractions allowed). */
export interface SessionState extends SessionTimes {
  sid: string;
  userId: string;
  clientId: string;
  /** NumericDate of the login: every token of the session carries it as `auth_time`. */
  authTime: number;
  /** What the login granted: a refresh never yields more. */
  scopes: string[];
  /** RFC 8707 resources the login asked for (empty: none). */
  resources: string[];
  /** The latest `exp` of any access token issued in the session. */
  accessTokensExpireAt: number;
  /** `null` while open. */
  endedAt: number | null;
}

/** A presented refresh token with its session, both as they stand once the session row is locked. */
export interface StoredRefreshToken {
  session: SessionState;
  token: RefreshTokenFacts & { issuedAt: number };
}

/** What a new session starts with. */
export interface NewSession {
  sid: string;
  userId: string;
  clientId: string;
  authTime: number;
  scopes: readonly string[];
  resources: readonly string[];
  expiresAt: number;
  accessTokensExpireAt: number;
}

interface SessionRow {
  sid: string;
  user_id: string;
  client_id: string;
  auth_time: number;
  scopes: string[];
  resources: string[];
  expires_at: number;
  last_active_at: number;
  access_tokens_expire_at: number;
  ended_at: number | null;
}

interface TokenRow {
  generation: number;
  issued_at: number;
  rotated_at: number | null;
  grace_used_at: number | null;
  live_generation: number | null;
}

/** A timestamptz column read as NumericDate seconds (with fractions), named `alias`. */
const epoch = (column: string, alias = column): string => `extract(epoch FROM ${column})::float8 AS ${alias}`;

/**
 * Inserts a session opened now (`last_active_at` = `auth_time`), with its first refresh token when one is given.
 *
 * @example
 * await insertSession(tx, { sid, userId, clientId, authTime, scopes, resources, expiresAt, accessTokensExpireAt }, hash);
 */
export async function insertSession(tx: SqlExecutor, session: NewSession, refreshTokenHash?: string): Promise<void> {
  await tx.query(
    `INSERT INTO sessions (sid, user_id, client_id, auth_time, scopes, resources, expires_at, last_active_at,
                           access_tokens_expire_at)
     VALUES ($1, $2, $3, to_timestamp($4), $5, $6, to_timestamp($7), to_timestamp($4), to_timestamp($8))`,
    [
      session.sid,
      session.userId,
      session.clientId,
      session.authTime,
      session.scopes,
      session.resources,
      session.expiresAt,
      session.accessTokensExpireAt,
    ],
  );
  if (refreshTokenHash !== undefined) {
    await insertRefreshToken(tx, session.sid, refreshTokenHash, 1, session.authTime);
  }
}

async function insertRefreshToken(
  tx: SqlExecutor,
  sid: string,
  tokenHash: string,
  generation: number,
  issuedAt: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO refresh_tokens (token_hash, sid, generation, issued_at) VALUES ($1, $2, $3, to_timestamp($4))`,
    [tokenHash, sid, generation, issuedAt],
  );
}

/**
 * The refresh token with this hash and its session, or `undefined` when unknown. With `lock` (inside a transaction)
 * the session row is locked `FOR UPDATE` first and the token read after it: every change to a session's refresh
 * tokens is made under that lock, so two refreshes racing with one token are serialised, and the second sees the
 * first one's rotation (a read before the lock would still see the token live).
 *
 * @example
 * const found = await db.transaction((tx) => findRefreshToken(tx, hashRefreshToken(presented), { lock: true }));
 */
export async function findRefreshToken(
  executor: SqlExecutor,
  tokenHash: string,
  { lock }: { lock: boolean },
): Promise<StoredRefreshToken | undefined> {
  const [owner] = await executor.query<{ sid: string }>('SELECT sid FROM refresh_tokens WHERE token_hash = $1', [
    tokenHash,
  ]);
  if (owner === undefined) return undefined;
  const session = await findSession(executor, owner.sid, { lock });
  const [token] = await executor.query<TokenRow>(
    `SELECT t.generation, ${epoch('t.issued_at', 'issued_at')}, ${epoch('t.rotated_at', 'rotated_at')},
            ${epoch('t.grace_used_at', 'grace_used_at')},
            (SELECT l.generation FROM refresh_tokens l WHERE l.sid = t.sid AND l.rotated_at IS NULL) AS live_generation
       FROM refresh_tokens t WHERE t.token_hash = $1`,
    [tokenHash],
  );
  // Gone in between: retention deleted the session.
  if (session === undefined || token === undefined) return undefined;
  return {
    session,
    token: {
      generation: token.generation,
      issuedAt: token.issued_at,
      rotatedAt: token.rotated_at,
      graceUsedAt: token.grace_used_at,
      liveGeneration: token.live_generation,
    },
  };
}

/**
 * The session `sid` as it stands, or `undefined` when unknown; with `lock` (inside a transaction) its row is locked
 * `FOR UPDATE`, the lock under which every change to the session and its refresh tokens is made.
 *
 * @example
 * const session = await findSession(tx, sid, { lock: true });
 */
export async function findSession(
  executor: SqlExecutor,
  sid: string,
  { lock }: { lock: boolean },
): Promise<SessionState | undefined> {
  const [session] = await executor.query<SessionRow>(
    `SELECT sid, user_id, client_id, ${epoch('auth_time')}, scopes, resources, ${epoch('expires_at')},
            ${epoch('last_active_at')}, ${epoch('access_tokens_expire_at')}, ${epoch('ended_at')}
       FROM sessions WHERE sid = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [sid],
  );
  if (session === undefined) return undefined;
  return {
    sid: session.sid,
    userId: session.user_id,
    clientId: session.client_id,
    authTime: session.auth_time,
    scopes: session.scopes,
    resources: session.resources,
    expiresAt: session.expires_at,
    lastActiveAt: session.last_active_at,
    accessTokensExpireAt: session.access_tokens_expire_at,
    endedAt: session.ended_at,
  };
}

/**
 * Replaces the live refresh token of generation `generation` by its successor, at `nowS`, under the session lock
 * ({@link findRefreshToken} with `lock`). Throws if the token was not live: the lock makes that impossible, and the
 * conditional update keeps it so should a caller forget the lock.
 *
 * @example
 * await rotateRefreshToken(tx, session.sid, presentedHash, token.generation, hashRefreshToken(next), nowS);
 */
export async function rotateRefreshToken(
  tx: SqlExecutor,
  sid: string,
  tokenHash: string,
  generation: number,
  successorHash: string,
  nowS: number,
): Promise<void> {
  const rotated = await tx.query(
    `UPDATE refresh_tokens SET rotated_at = to_timestamp($2) WHERE token_hash = $1 AND rotated_at IS NULL RETURNING 1`,
    [tokenHash, nowS],
  );
  if (rotated.length !== 1) throw new Error('refresh token rotated concurrently (session row not locked)');
  await insertRefreshToken(tx, sid, successorHash, generation + 1, nowS);
}

/**
 * Marks the reuse grace of a rotated refresh token as spent (it is accepted once more, never twice). Throws if it
 * was spent already, as {@link rotateRefreshToken} does.
 *
 * @example
 * await spendReuseGrace(tx, presentedHash, nowS);
 */
export async function spendReuseGrace(tx: SqlExecutor, tokenHash: string, nowS: number): Promise<void> {
  const spent = await tx.query(
    `UPDATE refresh_tokens SET grace_used_at = to_timestamp($2)
      WHERE token_hash = $1 AND rotated_at IS NOT NULL AND grace_used_at IS NULL RETURNING 1`,
    [tokenHash, nowS],
  );
  if (spent.length !== 1) throw new Error('refresh token grace spent concurrently (session row not locked)');
}

/**
 * Records a token issued in the session at `nowS`: the idle timeout restarts, and the latest access-token expiry
 * moves forward (never back).
 *
 * @example
 * await recordSessionActivity(tx, sid, nowS, issued.claims.exp);
 */
export async function recordSessionActivity(
  tx: SqlExecutor,
  sid: string,
  nowS: number,
  accessTokenExp: number,
): Promise<void> {
  await tx.query(
    `UPDATE sessions SET last_active_at = to_timestamp($2),
            access_tokens_expire_at = GREATEST(access_tokens_expire_at, to_timestamp($3))
      WHERE sid = $1`,
    [sid, nowS, accessTokenExp],
  );
}
