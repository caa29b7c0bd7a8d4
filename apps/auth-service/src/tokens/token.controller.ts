import { Controller, Headers, Inject } from '@nestjs/common';
import type { FormParams } from '../oauth/form-params.js';
import { OAuthEndpoint, OAuthForm } from '../oauth/oauth-endpoint.decorator.js';
import { TokenExchange, type TokenResponse } from './token-exchange.service.js';

/**
 * `POST /oauth/token` (RFC 6749): `client_credentials` and `password` grants, `client_secret_basic` or
 * `client_secret_post`, §5.2 errors, `Cache-Control: no-store`.
 *
 * @example
 * curl -u demo-app:dev-only-demo-app-secret -d grant_type=client_credentials -d scope=orders:read http://127.0.0.1:3000/oauth/token
 */
@Controller('oauth')
export class TokenController {
  constructor(@Inject(TokenExchange) private readonly exchange: TokenExchange) {}

  @OAuthEndpoint('token')
  async token(
    @Headers('authorization') authorization: string | undefined,
    @OAuthForm(['resource']) params: FormParams,
  ): Promise<TokenResponse> {
    return this.exchange.exchange(authorization, params);
  }
}
