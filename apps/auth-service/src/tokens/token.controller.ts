import { Controller, Inject, Ip } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAuthEndpoint, OAuthForm } from '../oauth/oauth-endpoint.decorator.js';
import { TOKEN_REQUEST_SCHEMA, TOKEN_RESPONSE_SCHEMA } from '../openapi/oauth-api.schemas.js';
import { OAuthClient } from '../rate-limits/oauth-client.decorator.js';
import { RateLimited } from '../rate-limits/rate-limited.decorator.js';
import { TokenExchange, type TokenResponse } from './token-exchange.service.js';

/**
 * `POST /oauth/token` (RFC 6749): `client_credentials`, `password` (opens a session, with a refresh token for a
 * client allowed `refresh_token`) and `refresh_token` (rotates it) grants, `client_secret_basic` or
 * `client_secret_post`, §5.2 errors, `Cache-Control: no-store`; limited per client (429 + `Retry-After`).
 *
 * @example
 * curl -u demo-app:dev-only-demo-app-secret -d grant_type=client_credentials -d scope=orders:read http://127.0.0.1:3000/oauth/token
 * curl -u demo-app:dev-only-demo-app-secret -d grant_type=refresh_token -d refresh_token=$REFRESH http://127.0.0.1:3000/oauth/token
 */
@Controller('oauth')
export class TokenController {
  constructor(@Inject(TokenExchange) private readonly exchange: TokenExchange) {}

  @RateLimited('token')
  @OAuthEndpoint('token', {
    summary: 'Issue an access token (client_credentials, password, refresh_token)',
    form: TOKEN_REQUEST_SCHEMA,
    answer: TOKEN_RESPONSE_SCHEMA,
  })
  async token(
    @OAuthClient() client: AuthenticatedClient,
    @OAuthForm(['resource']) params: FormParams,
    @Ip() sourceAddress: string,
  ): Promise<TokenResponse> {
    return this.exchange.exchange(client, params, sourceAddress);
  }
}
