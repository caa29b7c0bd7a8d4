import { Inject, Injectable } from '@nestjs/common';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { ClientDirectory } from './client.directory.js';
import { selectClientCredentials } from './client-credentials.selector.js';
import { verifyClientSecret } from './client-secret.hasher.js';

/** An authenticated OAuth client and what it may do. */
export interface AuthenticatedClient {
  id: string;
  grantTypes: string[];
  scopes: string[];
}

/**
 * Authenticates the client of an OAuth request against its `clients` row (keyed secret hash, constant time,
 * unknown and disabled clients indistinguishable from a wrong secret). The row comes from the {@link ClientDirectory}:
 * kept in memory while every change of `clients` is notified, else read from the database.
 *
 * @example
 * const client = await clients.authenticate(req.headers.authorization, params);
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    @Inject(ClientDirectory) private readonly directory: ClientDirectory,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async authenticate(authorization: string | undefined, params: FormParams): Promise<AuthenticatedClient> {
    const credentials = selectClientCredentials(authorization, params);
    const row = await this.directory.find(credentials.clientId);
    const secretOk = verifyClientSecret(this.config.clientSecretHashKey, credentials.clientSecret, row?.secret_hash);
    if (row === undefined || !secretOk || row.disabled) {
      throw new OAuthError(OAUTH_ERRORS.invalidClient, 'client authentication failed', {
        cause: new Error(`client ${row === undefined ? 'unknown' : row.disabled ? 'disabled' : 'secret mismatch'}`),
      });
    }
    return { id: row.id, grantTypes: row.grant_types, scopes: row.scopes };
  }
}
