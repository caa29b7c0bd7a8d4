import {
  InsecureTransportError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidTokenError,
  MissingTokenError,
  RevocationCapacityExceededError,
  RevocationStateUnavailableError,
} from '../errors/auth.errors.js';
import type { RevocationFailurePolicy } from '../auth-options.js';
import type { RevocationIndex } from '../revocations/revocation-index.js';
import type { AccessTokenClaims, AuthenticatedToken } from './access-token-claims.js';
import type { AccessTokenVerifier } from './access-token.verifier.js';
import { extractBearerToken } from './bearer-token.js';

/** Why the revocation state cannot vouch for tokens right now, and when to ask again. */
export interface RevocationStateProblem {
  /** For the log: not caught up, or stale and since when. */
  readonly reason: string;
  readonly retryAfterSeconds: number;
}

/** Options of {@link TokenAuthenticator}. */
export interface TokenAuthenticatorOptions {
  /** Refuse requests whose {@link RequestTransport} is not secure. */
  readonly requireHttps: boolean;
  readonly revocationFailurePolicy: RevocationFailurePolicy;
  /**
   * Whether the revocation index has caught up with its topics at least once since start. Until then it lacks
   * revocations it is known to have to read, so no token is accepted, whatever the failure policy.
   */
  readonly revocationStateLoaded: () => boolean;
  /** Whether the revocation index holds more entries than it may: then no token is accepted, whatever the policy. */
  readonly revocationCapacityExceeded: () => boolean;
  /** `undefined` while the revocation index can vouch for tokens (caught up and fresh); otherwise why not. */
  readonly revocationStateProblem: () => RevocationStateProblem | undefined;
  /** Extra claim policy (e.g. a class-validator DTO); throws `InvalidTokenError` to refuse. */
  readonly validateClaims?: (claims: AccessTokenClaims) => Promise<void>;
  /** The verifier's clock (epoch ms) and skew tolerance (s), which the age of `auth_time` is measured with. */
  readonly clock: () => number;
  readonly clockToleranceSeconds: number;
}

/**
 * What a route asks of a token beyond its validity. A plain scope list is the short form of `{ scopes }`.
 *
 * @example
 * ```ts
 * const requirements: TokenRequirements = { scopes: ['orders:write'], maxAuthAgeSeconds: 300 };
 * ```
 */
export interface TokenRequirements {
  /** Every one must be among the token's scopes (else 403 `insufficient_scope`). */
  readonly scopes: readonly string[];
  /**
   * RFC 9470 `max_age`: the user must have authenticated (`auth_time`) at most this many seconds ago, within the
   * clock tolerance; an older or missing `auth_time` is 401 `insufficient_user_authentication`. A positive integer.
   */
  readonly maxAuthAgeSeconds?: number;
}

/**
 * Throws a `TypeError` naming `what` unless `seconds` is a positive integer: the one check of a recent-authentication
 * bound, for `@RequireRecentAuth()` at decoration time and for {@link TokenRequirements} given to the core directly.
 */
export function assertMaxAuthAgeSeconds(seconds: unknown, what: string): asserts seconds is number {
  if (!Number.isSafeInteger(seconds) || (seconds as number) <= 0) {
    throw new TypeError(`${what} needs a positive integer number of seconds, got ${String(seconds)}`);
  }
}

/**
 * What the HTTP adapter knows about how a request arrived. `secure`: over TLS to this process, or forwarded as
 * `https` by a proxy the service trusts (Express `req.protocol`, Fastify `request.protocol`, both honour their
 * trusted-proxy setting).
 */
export interface RequestTransport {
  readonly secure: boolean;
}

/**
 * The whole request-side check of a bearer token, in the order of the design's data path:
 * transport → extract → revocation state (capacity; fail-closed: caught up and fresh) → verify (signature and
 * standard claims) → claim policy → revocation index → scopes → recent authentication (RFC 9470). Plain
 * TypeScript: the Nest guard and any other adapter call it.
 *
 * @example
 * ```ts
 * const token = await authenticator.authenticate(request.headersDistinct.authorization, ['orders:read'], {
 *   secure: request.protocol === 'https',
 * });
 * ```
 */
export class TokenAuthenticator {
  constructor(
    private readonly options: TokenAuthenticatorOptions,
    /** The verifier, or the verified-token cache in front of it: either answers `verify` the same way. */
    private readonly verifier: Pick<AccessTokenVerifier, 'verify'>,
    private readonly revocations: RevocationIndex,
  ) {}

  authenticate(
    authorization: string | readonly string[] | undefined,
    requirements: readonly string[] | TokenRequirements,
    transport?: RequestTransport,
  ): Promise<AuthenticatedToken> {
    return this.authenticateWith(() => extractBearerToken(authorization), requirements, transport);
  }

  /**
   * The same check with the token read by the adapter's own extractor (passport-jwt's `jwtFromRequest`): `readToken`
   * runs where the `Authorization` header would be parsed, after the transport check, and may throw an `AuthError`
   * as that parsing does; `null`, `undefined` or `''` is no token (`MissingTokenError`).
   */
  async authenticateWith(
    readToken: () => string | null | undefined,
    requirements: readonly string[] | TokenRequirements,
    transport?: RequestTransport,
  ): Promise<AuthenticatedToken> {
    const { scopes, maxAuthAgeSeconds } = asTokenRequirements(requirements);
    // Before the token is even read: over plain HTTP it is already exposed, whatever it is.
    if (this.options.requireHttps && transport?.secure !== true) {
      throw new InsecureTransportError('Request not received over HTTPS; refusing bearer tokens (requireHttps)');
    }
    const compact = readToken();
    if (compact === null || compact === undefined || compact === '') {
      throw new MissingTokenError('No token found by the request extractor');
    }
    this.requireUsableRevocationState();
    const token = await this.verifier.verify(compact);
    await this.options.validateClaims?.(token.claims);
    this.refuseRevoked(token);
    requireScopes(token, scopes);
    if (maxAuthAgeSeconds !== undefined) this.requireRecentAuthentication(token, maxAuthAgeSeconds);
    return token;
  }

  /** RFC 9470: the user's authentication (`auth_time`) no older than the route's bound, give or take the skew. */
  private requireRecentAuthentication(token: AuthenticatedToken, maxAgeSeconds: number): void {
    const authTime = token.claims.auth_time;
    if (authTime === undefined) {
      throw new InsufficientUserAuthenticationError(maxAgeSeconds, 'Token has no auth_time (no user authentication)');
    }
    const ageSeconds = this.options.clock() / 1000 - authTime;
    if (ageSeconds - this.options.clockToleranceSeconds > maxAgeSeconds) {
      throw new InsufficientUserAuthenticationError(
        maxAgeSeconds,
        `User authenticated ${Math.floor(ageSeconds)} s ago, the route allows ${maxAgeSeconds} s`,
      );
    }
  }

  /**
   * An index over its capacity, or still loading at start, refuses under either policy; fail-closed also refuses,
   * before any work, while the index may miss revocations (not caught up, or stale); fail-open goes on regardless.
   */
  private requireUsableRevocationState(): void {
    if (this.options.revocationCapacityExceeded()) {
      throw new RevocationCapacityExceededError('Revocation index over its configured capacity; refusing tokens');
    }
    // Fail-open keeps serving through a later outage, never on an index still loading: that one would accept tokens
    // whose revocations are already on the topic, waiting to be read.
    if (!this.options.revocationStateLoaded()) {
      throw new RevocationStateUnavailableError('Revocation state still loading at start; refusing tokens', 1);
    }
    if (this.options.revocationFailurePolicy === 'open') return;
    const problem = this.options.revocationStateProblem();
    if (problem !== undefined) {
      throw new RevocationStateUnavailableError(
        `${problem.reason}; refusing tokens (fail-closed)`,
        problem.retryAfterSeconds,
      );
    }
  }

  private refuseRevoked(token: AuthenticatedToken): void {
    const revokedBy = this.revocations.match({ ...token.claims, kid: token.kid });
    if (revokedBy !== undefined) {
      throw new InvalidTokenError('ERR_TOKEN_REVOKED', `Token revoked (by ${revokedBy})`);
    }
  }
}

function asTokenRequirements(requirements: readonly string[] | TokenRequirements): TokenRequirements {
  if (isScopeList(requirements)) return { scopes: requirements };
  if (requirements.maxAuthAgeSeconds !== undefined) {
    assertMaxAuthAgeSeconds(requirements.maxAuthAgeSeconds, 'TokenRequirements.maxAuthAgeSeconds');
  }
  return requirements;
}

function isScopeList(requirements: readonly string[] | TokenRequirements): requirements is readonly string[] {
  return Array.isArray(requirements);
}

function requireScopes(token: AuthenticatedToken, requiredScopes: readonly string[]): void {
  if (requiredScopes.some((scope) => !token.scopes.has(scope))) {
    throw new InsufficientScopeError(requiredScopes);
  }
}
