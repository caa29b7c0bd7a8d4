import { InvalidRequestError, MissingTokenError } from '../errors/auth.errors.js';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Extracts the bearer token from the `Authorization` field (RFC 6750 §2.1), given as its value or as the list of
 * its lines (Node's `headersDistinct.authorization`: a repeated field is refused only if it is seen).
 * Throws {@link MissingTokenError} when no credentials are present and {@link InvalidRequestError}
 * when the field is malformed or repeated. A well-formed but over-long token is the verifier's to refuse
 * (`invalid_token`): the pattern is linear, and the HTTP server already bounds the header.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(request.headersDistinct.authorization);
 * ```
 */
export function extractBearerToken(header: string | readonly string[] | undefined): string {
  const lines = typeof header === 'string' ? [header] : (header ?? []);
  if (lines.length > 1) {
    throw new InvalidRequestError('Several Authorization headers');
  }
  const value = lines[0];
  if (value === undefined || value === '') {
    throw new MissingTokenError('No bearer token');
  }
  const match = BEARER_CREDENTIALS.exec(value);
  if (match === null) {
    if (!/^Bearer\b/i.test(value)) {
      throw new MissingTokenError('No bearer token (another authentication scheme was used)');
    }
    throw new InvalidRequestError('Malformed bearer credentials');
  }
  return match[1];
}
