import { isBasicAuthorization, parseBasicAuthorization, type ClientCredentials } from '../oauth/basic-auth.parser.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';

/**
 * Picks the credentials of a request: exactly one method, `client_secret_basic` (Authorization header) or
 * `client_secret_post` (body). Both at once, or none, is an error. A body `client_id` next to Basic must match.
 *
 * @example
 * const credentials = selectClientCredentials(req.headers.authorization, params);
 */
export function selectClientCredentials(authorization: string | undefined, params: FormParams): ClientCredentials {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined && authorization.trim() !== '') {
    if (!isBasicAuthorization(authorization)) {
      throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
        cause: new Error('unsupported Authorization scheme'),
      });
    }
    const credentials = parseBasicAuthorization(authorization);
    if (bodySecret !== undefined) {
      throw new OAuthError(OAUTH_ERRORS.invalidRequest, 'use exactly one client authentication method');
    }
    if (bodyId !== undefined && bodyId !== credentials.clientId) {
      throw new OAuthError(OAUTH_ERRORS.invalidRequest, 'client_id does not match the authenticated client');
    }
    return credentials;
  }
  if (bodyId !== undefined && bodySecret !== undefined) {
    return { clientId: bodyId, clientSecret: bodySecret };
  }
  throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
    cause: new Error(bodyId === undefined ? 'no client credentials' : 'client_secret missing (no public clients)'),
  });
}
