import { Controller, Inject, Logger } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAuthEndpoint, OAuthForm } from '../oauth/oauth-endpoint.decorator.js';
import { INTROSPECTION_RESPONSE_SCHEMA, TOKEN_FORM_SCHEMA } from '../openapi/oauth-api.schemas.js';
import { OAuthClient } from '../rate-limits/oauth-client.decorator.js';
import { RateLimited } from '../rate-limits/rate-limited.decorator.js';
import { isRefreshToken } from '../sessions/refresh-token.js';
import { RefreshTokenIntrospector, type RefreshTokenIntrospection } from '../sessions/refresh-token.introspector.js';
import { IssuedTokenVerifier } from './issued-token.verifier.js';

/** RFC 7662 introspection response; only `active` when the token is not active. */
export type IntrospectionResponse =
  | { active: false }
  | RefreshTokenIntrospection
  | {
      active: true;
      scope: string;
      client_id: string;
      sub: string;
      aud: string[];
      iss: string;
      exp: number;
      iat: number;
      jti: string;
      token_type: 'Bearer';
      sid?: string;
    };

/**
 * `POST /oauth/introspect` (RFC 7662): client authentication required; a client learns only about tokens issued
 * to it (§4). `{ active: false }` for anything invalid, expired, revoked, unknown or another client's — nothing
 * else leaked. Access tokens and refresh tokens ({@link RefreshTokenIntrospector}) are told apart by their shape,
 * so `token_type_hint` is not needed (and, being a hint, never trusted). Limited per client (429 + `Retry-After`).
 *
 * @example
 * curl -u demo-app:dev-only-demo-app-secret -d token=$TOKEN http://127.0.0.1:3000/oauth/introspect
 */
@Controller('oauth')
export class IntrospectionController {
  private readonly logger = new Logger(IntrospectionController.name);

  constructor(
    @Inject(IssuedTokenVerifier) private readonly verifier: IssuedTokenVerifier,
    @Inject(RefreshTokenIntrospector) private readonly refreshTokens: RefreshTokenIntrospector,
  ) {}

  @RateLimited('introspect')
  @OAuthEndpoint('introspect', {
    summary: 'Introspect a token issued to this client (RFC 7662)',
    form: TOKEN_FORM_SCHEMA,
    answer: INTROSPECTION_RESPONSE_SCHEMA,
  })
  async introspect(
    @OAuthClient() client: AuthenticatedClient,
    @OAuthForm() params: FormParams,
  ): Promise<IntrospectionResponse> {
    const token = params.require('token');
    if (isRefreshToken(token)) return this.introspectRefreshToken(client, token);
    const verification = await this.verifier.verify(token);
    if (!verification.ok) {
      this.logger.log({ msg: 'introspection: inactive', client_id: client.id, reason: verification.reason });
      return { active: false };
    }
    const { claims } = verification;
    if (claims.client_id !== client.id) {
      this.logger.log({ msg: 'introspection: inactive', client_id: client.id, reason: 'token of another client' });
      return { active: false };
    }
    if (await this.verifier.isRevoked(claims, verification.kid)) {
      this.logger.log({ msg: 'introspection: inactive', client_id: client.id, reason: 'revoked', jti: claims.jti });
      return { active: false };
    }
    return {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
      ...(claims.sid === undefined ? {} : { sid: claims.sid }),
    };
  }

  private async introspectRefreshToken(client: AuthenticatedClient, token: string): Promise<IntrospectionResponse> {
    const answer = await this.refreshTokens.introspect(client, token);
    if ('active' in answer) return answer;
    this.logger.log({ msg: 'introspection: inactive refresh token', client_id: client.id, reason: answer.inactive });
    return { active: false };
  }
}
