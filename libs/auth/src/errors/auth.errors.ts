/**
 * Typed errors raised by the library. Every error carries a stable `code`; the HTTP mapping
 * (RFC 6750 status, `WWW-Authenticate` challenge, public message) lives in one place,
 * `auth-exception.filter.ts`, keyed by the error class.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (error instanceof InvalidTokenError && error.code === 'ERR_TOKEN_EXPIRED') { … }
 * }
 * ```
 */
export abstract class AuthError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request carries no bearer token at all (RFC 6750 §3.1: 401 without an `error`). */
export class MissingTokenError extends AuthError {
  readonly code = 'ERR_TOKEN_MISSING';
}

/** The `Authorization` header is present but malformed (RFC 6750 `invalid_request`, 400). */
export class InvalidRequestError extends AuthError {
  readonly code = 'ERR_INVALID_REQUEST';
}

/**
 * The resource server requires HTTPS (`requireHttps`) and the request did not arrive over it, directly or as
 * forwarded by a trusted proxy (RFC 6750 §5.3: bearer tokens travel over TLS only). Answered 400
 * `invalid_request`, not 401: a new token sent the same way would leak the same way.
 */
export class InsecureTransportError extends AuthError {
  readonly code = 'ERR_INSECURE_TRANSPORT';
}

/** Codes of {@link InvalidTokenError}: why a presented token was refused. */
export type InvalidTokenCode =
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TYPE_INVALID'
  | 'ERR_TOKEN_ALG_NOT_ALLOWED'
  | 'ERR_TOKEN_KEY_UNKNOWN'
  | 'ERR_TOKEN_SIGNATURE_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_ISSUER_INVALID'
  | 'ERR_TOKEN_AUDIENCE_INVALID'
  | 'ERR_TOKEN_CLAIMS_INVALID'
  | 'ERR_TOKEN_REVOKED';

/** The token was presented but cannot be accepted (RFC 6750 `invalid_token`, 401). */
export class InvalidTokenError extends AuthError {
  constructor(
    readonly code: InvalidTokenCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The token is valid but lacks scopes the route requires (RFC 6750 `insufficient_scope`, 403). */
export class InsufficientScopeError extends AuthError {
  readonly code = 'ERR_INSUFFICIENT_SCOPE';

  constructor(readonly requiredScopes: readonly string[]) {
    super(`Missing required scope(s): ${requiredScopes.join(' ')}`);
  }
}

/**
 * The token is valid but its user authenticated longer ago than the route allows (`@RequireRecentAuth`), or the token
 * says nothing of when (`auth_time` absent, as in a client_credentials token): RFC 9470
 * `insufficient_user_authentication`, 401 with `max_age` so the client knows how recent a login to get.
 */
export class InsufficientUserAuthenticationError extends AuthError {
  readonly code = 'ERR_AUTH_TOO_OLD';

  constructor(
    /** The route's bound: the `max_age` of the challenge. */
    readonly maxAgeSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The verification keys could not be obtained (JWKS unreachable or unusable). Transient: the token
 * may well be valid, so this maps to 503 rather than 401.
 */
export class KeySourceUnavailableError extends AuthError {
  readonly code = 'ERR_KEYS_UNAVAILABLE';
}

/**
 * The revocation index holds more live entries than the service is configured for: it cannot vouch for tokens any
 * more (503) until pruning brings it back under the cap.
 */
export class RevocationCapacityExceededError extends AuthError {
  readonly code = 'ERR_REVOCATION_CAPACITY_EXCEEDED';
}

/**
 * The revocation state cannot vouch for tokens — not caught up with its topics yet, or stale (no fresh heartbeat
 * within `maxStalenessSeconds`) — and the failure policy is `closed`: no token is accepted until it can (503, with
 * `retryAfterSeconds` as the `Retry-After` hint).
 */
export class RevocationStateUnavailableError extends AuthError {
  readonly code = 'ERR_REVOCATION_STATE_UNAVAILABLE';

  constructor(
    message: string,
    /** When the state may be usable again: the issuer's heartbeat interval while stale, 1 s while catching up. */
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
