import { mediaTypeOf } from '../common/media-type.js';
import { hasControlCharacter } from './control-character.js';
import { OAUTH_ERRORS, OAuthError } from './oauth.error.js';

/**
 * Client authentication parameters (`client_secret_post`, RFC 6749 §2.3.1): a malformed one fails client
 * authentication (§5.2 `invalid_client`), every other malformed parameter is `invalid_request`.
 */
const CLIENT_CREDENTIAL_PARAMETERS: ReadonlySet<string> = new Set(['client_id', 'client_secret']);

/**
 * Parameters of an `application/x-www-form-urlencoded` OAuth request: single-valued ones (RFC 6749 §3.2:
 * "parameters MUST NOT be included more than once") and repeatable ones such as RFC 8707 `resource`.
 */
export interface FormParams {
  get(name: string): string | undefined;
  /** The parameter's value; `invalid_request` when it is absent. */
  require(name: string): string;
  getAll(name: string): string[];
}

/**
 * RFC 6749 §3.2 / RFC 7009 §2.1 / RFC 7662 §2.1: requests are `application/x-www-form-urlencoded`; anything else
 * (JSON included) is `invalid_request`.
 *
 * @example
 * assertFormContentType(req.headers['content-type']);
 */
export function assertFormContentType(contentType: string | undefined): void {
  if (mediaTypeOf(contentType) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(OAUTH_ERRORS.invalidRequest, 'expected an application/x-www-form-urlencoded body');
  }
}

/**
 * Validates a parsed form body: every value must be a string without control characters (`invalid_client` for the
 * client credentials, `invalid_request` otherwise); a parameter sent twice is `invalid_request` unless listed in
 * `repeatable`. Empty values count as absent (RFC 6749 §3.1).
 *
 * @example
 * const params = readFormParams(req.body, ['resource']);
 * params.require('grant_type'); params.get('scope'); params.getAll('resource');
 */
export function readFormParams(body: unknown, repeatable: readonly string[] = []): FormParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError(OAUTH_ERRORS.invalidRequest, 'expected an application/x-www-form-urlencoded body');
  }
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    const values = Array.isArray(raw) ? raw : [raw];
    if (!values.every((v): v is string => typeof v === 'string')) {
      throw new OAuthError(OAUTH_ERRORS.invalidRequest, `malformed parameter ${name}`);
    }
    if (values.some(hasControlCharacter)) throw malformed(name);
    const present = values.filter((v) => v !== '');
    if (repeatable.includes(name)) {
      multi.set(name, present);
      continue;
    }
    if (values.length > 1) throw new OAuthError(OAUTH_ERRORS.invalidRequest, `parameter ${name} repeated`);
    if (present.length === 1) single.set(name, present[0]);
  }
  return {
    get: (name) => single.get(name),
    require: (name) => {
      const value = single.get(name);
      if (value === undefined) throw new OAuthError(OAUTH_ERRORS.invalidRequest, `${name} is required`);
      return value;
    },
    getAll: (name) => multi.get(name) ?? [],
  };
}

function malformed(name: string): OAuthError {
  if (CLIENT_CREDENTIAL_PARAMETERS.has(name)) {
    return new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
      cause: new Error(`control character in ${name}`),
    });
  }
  return new OAuthError(OAUTH_ERRORS.invalidRequest, `control character in parameter ${name}`);
}
