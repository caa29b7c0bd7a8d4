import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { ResourceServerRegistry } from '../tokens/resource-server.registry.js';
import { SUPPORTED_GRANT_TYPES } from '../tokens/token-exchange.service.js';

/** Client authentication methods of every endpoint. */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/**
 * `GET /.well-known/oauth-authorization-server` (RFC 8414) metadata.
 *
 * @example
 * curl http://127.0.0.1:3000/.well-known/oauth-authorization-server
 */
@ApiTags('discovery')
@Controller('.well-known')
export class DiscoveryController {
  constructor(
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
  ) {}

  @Get('oauth-authorization-server')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @Header('Cache-Control', 'public, max-age=300')
  async metadata(): Promise<Record<string, unknown>> {
    const { issuer } = this.config;
    const scopes = [...new Set((await this.resourceServers.list()).flatMap((rs) => rs.scopes))].sort();
    return {
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: [...SUPPORTED_GRANT_TYPES],
      response_types_supported: [],
      scopes_supported: scopes,
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      access_token_signing_alg_values_supported: this.keys.algorithms(),
    };
  }
}
