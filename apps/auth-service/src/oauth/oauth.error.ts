/**
 * RFC 6749 §5.2, RFC 7009, RFC 8707 error codes returned by the token, revocation and introspection endpoints, and
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) for a 503 (RFC 7009 §2.2.1 has the client assume the token is still
 * valid and retry) and for a 429 of a rate limit (see {@link OAuthRateLimitError}).
 */
export const OAUTH_ERRORS = {
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
  invalidGrant: 'invalid_grant',
  unauthorizedClient: 'unauthorized_client',
  unsupportedGrantType: 'unsupported_grant_type',
  invalidScope: 'invalid_scope',
  invalidTarget: 'invalid_target',
  serverError: 'server_error',
  temporarilyUnavailable: 'temporarily_unavailable',
} as const;
export type OAuthErrorCode = (typeof OAUTH_ERRORS)[keyof typeof OAUTH_ERRORS];

/**
 * An OAuth protocol error. `description` is a fixed, client-safe text (never a secret or token); `cause` keeps
 * the internal reason for the log: a fixed text too, never one quoting the request (it is logged as is).
 *
 * @example
 * throw new OAuthError('invalid_scope', 'requested scope is not allowed for this client');
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description?: string,
    options?: { cause?: unknown },
  ) {
    super(description ?? error, options);
    this.name = 'OAuthError';
  }
}

/** The stable `errorCode` of a rate-limited answer. */
export const RATE_LIMITED_ERROR_CODE = 'ERR_RATE_LIMITED';

/**
 * A request refused by a rate limit or a login backoff: 429 with `Retry-After` (RFC 6585 §4). RFC 6749 has no code
 * for it; `temporarily_unavailable` is the closest ("unable to handle the request due to a temporary overloading"),
 * and `errorCode` says which it is. Nothing was done: the same request may succeed after `retryAfterSeconds`.
 *
 * @example
 * throw new OAuthRateLimitError(30, { cause: new Error('token endpoint limit of client demo-app') });
 */
export class OAuthRateLimitError extends OAuthError {
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(OAUTH_ERRORS.temporarilyUnavailable, 'too many requests, retry later', options);
    this.name = 'OAuthRateLimitError';
  }
}

/** HTTP rendering of an {@link OAuthError}. */
export interface OAuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: OAuthErrorCode; error_description?: string; errorCode?: typeof RATE_LIMITED_ERROR_CODE };
}

/** The `realm` of our `WWW-Authenticate: Basic` challenge. */
const BASIC_REALM = 'auth-service';

/** `Retry-After` of a 503: the bounds that cause one are a few seconds at most. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Maps an {@link OAuthError} to status, headers and body (RFC 6749 §5.2). `invalid_client` is 401 and always carries
 * `WWW-Authenticate: Basic realm="auth-service"` (HTTP requires a challenge on every 401, and it is mandatory when
 * Basic was used); a rate limit ({@link OAuthRateLimitError}) is 429 with `Retry-After` (whole seconds, at least 1)
 * and `errorCode` `ERR_RATE_LIMITED`; `server_error` is 500; any other `temporarily_unavailable` is 503 with
 * `Retry-After`; everything else 400. Responses are never cached.
 *
 * @example
 * const { status, headers, body } = toOAuthErrorResponse(new OAuthError('invalid_grant'));
 */
export function toOAuthErrorResponse(error: OAuthError): OAuthErrorResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const body: OAuthErrorResponse['body'] = { error: error.error };
  if (error.description !== undefined) body.error_description = error.description;
  if (error instanceof OAuthRateLimitError) {
    headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    return { status: 429, headers, body: { ...body, errorCode: RATE_LIMITED_ERROR_CODE } };
  }
  if (error.error === OAUTH_ERRORS.invalidClient) {
    headers['WWW-Authenticate'] = `Basic realm="${BASIC_REALM}", charset="UTF-8"`;
    return { status: 401, headers, body };
  }
  if (error.error === OAUTH_ERRORS.temporarilyUnavailable) {
    headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
    return { status: 503, headers, body };
  }
  return { status: error.error === OAUTH_ERRORS.serverError ? 500 : 400, headers, body };
}
