import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { insertSession } from '../sessions/session.repository.js';
import { Database } from '../storage/database.js';
import { UserAuthenticator } from '../users/user-authenticator.service.js';
import { AccessTokenIssuer, type IssuedAccessToken } from './access-token.issuer.js';
import { ResourceServerRegistry } from './resource-server.registry.js';
import { grantScopes } from './scope-grant.js';

/** Grant types of this release (refresh_token comes later). */
export const SUPPORTED_GRANT_TYPES = ['client_credentials', 'password'] as const;
export type SupportedGrantType = (typeof SUPPORTED_GRANT_TYPES)[number];

/** What a grant hands back to the token endpoint. */
export interface GrantResult {
  issued: IssuedAccessToken;
}

/** One grant type's logic, for a client already authenticated and allowed that grant type. */
type GrantHandler = (client: AuthenticatedClient, params: FormParams, sourceAddress: string) => Promise<GrantResult>;

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * The token endpoint's logic for an authenticated client (`@OAuthClient()`): grant dispatch, scope/audience
 * decision, issuance.
 *
 * @example
 * const response = await exchange.exchange(client, readFormParams(req.body, ['resource']), req.ip);
 */
@Injectable()
export class TokenExchange {
  private readonly logger = new Logger(TokenExchange.name);
  private readonly grants: Record<SupportedGrantType, GrantHandler> = {
    client_credentials: (client, params) => this.clientCredentialsGrant(client, params),
    password: (client, params, sourceAddress) => this.passwordGrant(client, params, sourceAddress),
  };

  constructor(
    @Inject(UserAuthenticator) private readonly users: UserAuthenticator,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(AccessTokenIssuer) private readonly issuer: AccessTokenIssuer,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /** `sourceAddress`: the request's address, logged with a failed login. */
  async exchange(client: AuthenticatedClient, params: FormParams, sourceAddress: string): Promise<TokenResponse> {
    const grantType = params.require('grant_type');
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grantType)) {
      throw new OAuthError(OAUTH_ERRORS.unsupportedGrantType, 'grant_type is not supported');
    }
    if (!client.grantTypes.includes(grantType)) {
      throw new OAuthError(OAUTH_ERRORS.unauthorizedClient, 'grant_type is not allowed for this client');
    }
    const { issued } = await this.grants[grantType as SupportedGrantType](client, params, sourceAddress);
    this.logger.log({
      msg: 'access token issued',
      grant_type: grantType,
      client_id: client.id,
      jti: issued.claims.jti,
      aud: issued.claims.aud,
      scope: issued.claims.scope,
    });
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: issued.claims.scope,
    };
  }

  private async clientCredentialsGrant(client: AuthenticatedClient, params: FormParams): Promise<GrantResult> {
    const grant = grantScopes({
      requested: params.get('scope'),
      clientScopes: client.scopes,
      resources: params.getAll('resource'),
      resourceServers: await this.resourceServers.list(),
    });
    return { issued: await this.issuer.issue({ clientId: client.id, subject: client.id, grant }) };
  }

  private async passwordGrant(
    client: AuthenticatedClient,
    params: FormParams,
    sourceAddress: string,
  ): Promise<GrantResult> {
    const user = await this.users.authenticate(params.require('username'), params.require('password'), {
      clientId: client.id,
      sourceAddress,
    });
    if (user === null) throw new OAuthError(OAUTH_ERRORS.invalidGrant, 'invalid resource owner credentials');
    const grant = grantScopes({
      requested: params.get('scope'),
      clientScopes: client.scopes,
      userScopes: user.scopes,
      resources: params.getAll('resource'),
      resourceServers: await this.resourceServers.list(),
    });
    const sid = randomUUID();
    const authTime = toNumericDate(this.clock.now());
    const issued = await this.issuer.issue({
      clientId: client.id,
      subject: user.id,
      grant,
      session: { sid, authTime },
    });
    await insertSession(this.db, {
      sid,
      userId: user.id,
      clientId: client.id,
      authTime,
      scopes: grant.scopes,
      resources: params.getAll('resource'),
      expiresAt: authTime + this.config.sessions.maxLifetimeSeconds,
      accessTokensExpireAt: issued.claims.exp,
    });
    return { issued };
  }
}
