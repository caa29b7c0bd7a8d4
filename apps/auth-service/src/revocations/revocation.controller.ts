import { Controller, Inject } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAuthEndpoint, OAuthForm } from '../oauth/oauth-endpoint.decorator.js';
import { TOKEN_FORM_SCHEMA } from '../openapi/oauth-api.schemas.js';
import { OAuthClient } from '../rate-limits/oauth-client.decorator.js';
import { RateLimited } from '../rate-limits/rate-limited.decorator.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { TokenRevocation } from './token-revocation.service.js';

/**
 * `POST /oauth/revoke` (RFC 7009): client authentication required; an access token is revoked alone, a refresh token
 * revokes its session (every refresh token and every access token of it); 200 with an empty body for a revoked,
 * unknown, invalid or expired token; 400 `unauthorized_client` for a valid token issued to another client (§2.1). Limited per
 * client (429 + `Retry-After`), so no client can revoke in a loop.
 *
 * @example
 * curl -u demo-app:dev-only-demo-app-secret -d token=$TOKEN http://127.0.0.1:3000/oauth/revoke
 */
@Controller('oauth')
export class RevocationController {
  constructor(@Inject(TokenRevocation) private readonly revocations: TokenRevocation) {}

  @RateLimited('revoke')
  @OAuthEndpoint('revoke', {
    summary: 'Revoke an access token, or a refresh token and its session (RFC 7009)',
    form: TOKEN_FORM_SCHEMA,
  })
  async revoke(@OAuthClient() client: AuthenticatedClient, @OAuthForm() params: FormParams): Promise<void> {
    const token = params.require('token');
    if ((await this.revocations.revokeToken(client.id, token)) === 'not_ours') {
      throw new OAuthError(OAUTH_ERRORS.unauthorizedClient, 'the token was not issued to this client');
    }
  }
}
