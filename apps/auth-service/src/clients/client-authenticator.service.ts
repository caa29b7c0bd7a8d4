import { Inject, Injectable } from '@nestjs/common';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { isBasicAuthorization, parseBasicAuthorization, type ClientCredentials } from '../oauth/basic-auth.parser.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { Database } from '../storage/database.js';
import { verifyClientSecret } from './client-secret.hasher.js';

/** An authenticated OAuth client and what it may do. */
export interface AuthenticatedClient {
  id: string;
  grantTypes: string[];
  scopes: string[];
}

interface ClientRow {
  id: string;
  secret_hash: string;
  grant_types: string[];
  scopes: string[];
  disabled: boolean;
}

/** How the client presented its credentials (RFC 8414 names). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * Picks the credentials of a request: exactly one method, `client_secret_basic` (Authorization header) or
 * `client_secret_post` (body). Both at once, or none, is an error. A body `client_id` next to Basic must match.
 *
 * @example
 * const { method, credentials } = selectClientCredentials(req.headers.authorization, params);
 */
export function selectClientCredentials(
  authorization: string | undefined,
  params: FormParams,
): { method: ClientAuthMethod; credentials: ClientCredentials } {
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
    return { method: 'client_secret_basic', credentials };
  }
  if (bodyId !== undefined && bodySecret !== undefined) {
    return { method: 'client_secret_post', credentials: { clientId: bodyId, clientSecret: bodySecret } };
  }
  throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
    cause: new Error(bodyId === undefined ? 'no client credentials' : 'client_secret missing (no public clients)'),
  });
}

/**
 * Authenticates the client of an OAuth request against the `clients` table (keyed secret hash, constant time,
 * unknown and disabled clients indistinguishable from a wrong secret).
 *
 * @example
 * const client = await clients.authenticate(req.headers.authorization, params);
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async authenticate(authorization: string | undefined, params: FormParams): Promise<AuthenticatedClient> {
    const { method, credentials } = selectClientCredentials(authorization, params);
    const rows = await this.db.query<ClientRow>(
      'SELECT id, secret_hash, grant_types, scopes, disabled FROM clients WHERE id = $1',
      [credentials.clientId],
    );
    const row = rows[0];
    const secretOk = verifyClientSecret(this.config.clientSecretHashKey, credentials.clientSecret, row?.secret_hash);
    if (row === undefined || !secretOk || row.disabled) {
      throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
        basicAuthUsed: method === 'client_secret_basic',
        cause: new Error(`client ${row === undefined ? 'unknown' : row.disabled ? 'disabled' : 'secret mismatch'}`),
      });
    }
    return { id: row.id, grantTypes: row.grant_types, scopes: row.scopes };
  }
}
