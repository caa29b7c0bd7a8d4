import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { AuthServiceEvents } from '../observability/auth-service.events.js';
import { SessionIssuer } from '../sessions/session-issuer.service.js';
import { UserAuthenticator } from '../users/user-authenticator.service.js';
import { AccessTokenIssuer, type IssuedAccessToken } from './access-token.issuer.js';
import { clientSubject } from './client-subject.js';
import { ResourceServerRegistry } from './resource-server.registry.js';
import { grantScopes } from './scope-grant.js';

/** Grant types of this release. */
export const SUPPORTED_GRANT_TYPES = ['client_credentials', 'password', 'refresh_token'] as const;
export type SupportedGrantType = (typeof SUPPORTED_GRANT_TYPES)[number];

/** What a grant hands back to the token endpoint: an access token, and a refresh token when a session issued one. */
export interface GrantResult {
  issued: IssuedAccessToken;
  refreshToken?: string;
}

/** One grant type's logic, for a client already authenticated and allowed that grant type. */
type GrantHandler = (client: AuthenticatedClient, params: FormParams, sourceAddress: string) => Promise<GrantResult>;

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** The access token's lifetime; a refresh token lives as long as its session (idle timeout, absolute end). */
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/**
 * The token endpoint's logic for an authenticated client (`@OAuthClient()`): grant dispatch, scope/audience
 * decision, issuance. `password` opens a session and `refresh_token` continues one ({@link SessionIssuer}).
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
    refresh_token: (client, params) => this.sessions.refresh(client, params),
  };

  constructor(
    @Inject(UserAuthenticator) private readonly users: UserAuthenticator,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(AccessTokenIssuer) private readonly issuer: AccessTokenIssuer,
    @Inject(SessionIssuer) private readonly sessions: SessionIssuer,
    @Inject(AuthServiceEvents) private readonly events: AuthServiceEvents,
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
    const { issued, refreshToken } = await this.grants[grantType as SupportedGrantType](client, params, sourceAddress);
    this.logger.log({
      msg: 'access token issued',
      grant_type: grantType,
      client_id: client.id,
      jti: issued.claims.jti,
      aud: issued.claims.aud,
      scope: issued.claims.scope,
    });
    this.events.emit('token.issued', { grantType, clientId: client.id });
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: issued.claims.scope,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    };
  }

  private async clientCredentialsGrant(client: AuthenticatedClient, params: FormParams): Promise<GrantResult> {
    const grant = grantScopes({
      requested: params.get('scope'),
      clientScopes: client.scopes,
      resources: params.getAll('resource'),
      resourceServers: await this.resourceServers.list(),
    });
    return { issued: await this.issuer.issue({ clientId: client.id, subject: clientSubject(client.id), grant }) };
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
    return this.sessions.open(client, user.id, grant, params.getAll('resource'));
  }
}
