import { hasControlCharacter } from './control-character.js';
import { OAUTH_ERRORS, OAuthError } from './oauth.error.js';

/** RFC 7617 §2.1: the credentials are UTF-8; invalid bytes are refused rather than replaced. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Client credentials taken from a request. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Form-url-decodes one component (RFC 6749 §2.3.1 / Appendix B: `+` is a space, then percent-decoding).
 * Returns `undefined` for an invalid percent sequence.
 *
 * @example
 * formUrlDecode('my+client%3A1'); // 'my client:1'
 */
export function formUrlDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // URIError: a malformed escape; the caller turns `undefined` into invalid_client.
    return undefined;
  }
}

/** Does the `Authorization` header use the Basic scheme (case-insensitive, RFC 7617)? */
export function isBasicAuthorization(header: string | undefined): boolean {
  return header !== undefined && /^basic(\s|$)/i.test(header.trim());
}

/**
 * Parses `Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret))` (RFC 6749 §2.3.1,
 * RFC 7617). Throws `invalid_client` (with the Basic challenge) when the header is malformed: not base64, not UTF-8,
 * no colon, a bad percent escape, an empty id or a control character in either part.
 *
 * @example
 * parseBasicAuthorization('Basic ' + btoa('demo-app:dev-only-demo-app-secret'));
 * // { clientId: 'demo-app', clientSecret: 'dev-only-demo-app-secret' }
 */
export function parseBasicAuthorization(header: string): ClientCredentials {
  const fail = (why: string): never => {
    throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
      cause: new Error(`malformed Basic authorization: ${why}`),
    });
  };
  const match = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (match === null) return fail('not base64 credentials');
  let decoded: string;
  try {
    decoded = UTF8.decode(Buffer.from(match[1], 'base64'));
  } catch {
    // TypeError: invalid UTF-8; the reason is all the log needs.
    return fail('not UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return fail('no colon');
  const clientId = formUrlDecode(decoded.slice(0, colon));
  const clientSecret = formUrlDecode(decoded.slice(colon + 1));
  if (clientId === undefined || clientSecret === undefined) return fail('bad percent-encoding');
  if (clientId === '') return fail('empty client id');
  if (hasControlCharacter(clientId) || hasControlCharacter(clientSecret)) return fail('control character');
  return { clientId, clientSecret };
}
