/**
 * RFC 6749 §5.2, RFC 7009, RFC 8707 error codes returned by the token, revocation and introspection endpoints, and
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) for a 503: RFC 7009 §2.2.1 has the client assume the token is still
 * valid and retry.
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

/** HTTP rendering of an {@link OAuthError}. */
export interface OAuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: OAuthErrorCode; error_description?: string };
}

/** The `realm` of our `WWW-Authenticate: Basic` challenge. */
const BASIC_REALM = 'auth-service';

/** `Retry-After` of a 503: the bounds that cause one are a few seconds at most. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Maps an {@link OAuthError} to status, headers and body (RFC 6749 §5.2). `invalid_client` is 401 and always carries
 * `WWW-Authenticate: Basic realm="auth-service"` (HTTP requires a challenge on every 401, and it is mandatory when
 * Basic was used); `server_error` is 500; `temporarily_unavailable` is 503 with `Retry-After`; everything else 400.
 * Responses are never cached.
 *
 * @example
 * const { status, headers, body } = toOAuthErrorResponse(new OAuthError('invalid_grant'));
 */
export function toOAuthErrorResponse(error: OAuthError): OAuthErrorResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const body: OAuthErrorResponse['body'] = { error: error.error };
  if (error.description !== undefined) body.error_description = error.description;
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
