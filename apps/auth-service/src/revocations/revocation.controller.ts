import { Controller, Headers, Inject } from '@nestjs/common';
import { ClientAuthenticator } from '../clients/client-authenticator.service.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAuthEndpoint, OAuthForm } from '../oauth/oauth-endpoint.decorator.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { TokenRevocation } from './token-revocation.service.js';

/**
 * `POST /oauth/revoke` (RFC 7009): client authentication required; 200 with an empty body for a revoked, unknown,
 * invalid or expired token; 400 `unauthorized_client` for a valid token issued to another client (§2.1).
 *
 * @example
 * curl -u demo-app:dev-only-demo-app-secret -d token=$TOKEN http://127.0.0.1:3000/oauth/revoke
 */
@Controller('oauth')
export class RevocationController {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(TokenRevocation) private readonly revocations: TokenRevocation,
  ) {}

  @OAuthEndpoint('revoke')
  async revoke(
    @Headers('authorization') authorization: string | undefined,
    @OAuthForm() params: FormParams,
  ): Promise<void> {
    const client = await this.clients.authenticate(authorization, params);
    const token = params.require('token');
    if ((await this.revocations.revokeToken(client.id, token)) === 'not_ours') {
      throw new OAuthError(OAUTH_ERRORS.unauthorizedClient, 'the token was not issued to this client');
    }
  }
}
