import { InvalidRequestError, MissingTokenError } from '../errors/auth.errors.js';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Extracts the bearer token from an `Authorization` header value (RFC 6750 §2.1).
 * Throws {@link MissingTokenError} when no credentials are present and {@link InvalidRequestError}
 * when the header is malformed, repeated or longer than `maxTokenBytes`.
 *
 * @example
 * ```ts
 * const token = extractBearerToken(request.headers.authorization, 8192);
 * ```
 */
export function extractBearerToken(header: string | string[] | undefined, maxTokenBytes: number): string {
  if (header === undefined || header === '') {
    throw new MissingTokenError('No bearer token');
  }
  if (Array.isArray(header)) {
    throw new InvalidRequestError('Several Authorization headers');
  }
  if (header.length > maxTokenBytes + 'Bearer '.length) {
    throw new InvalidRequestError('Authorization header too long');
  }
  const match = BEARER_CREDENTIALS.exec(header);
  if (match === null) {
    if (!/^Bearer\b/i.test(header)) {
      throw new MissingTokenError('No bearer token (another authentication scheme was used)');
    }
    throw new InvalidRequestError('Malformed bearer credentials');
  }
  return match[1];
}
