import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditLog } from './audit/audit-log.service.js';
import { ClientAuthenticator } from './clients/client-authenticator.service.js';
import { Clock, SystemClock } from './common/clock.js';
import { authServiceConfig } from './config/auth-service.config.js';
import { DiscoveryController } from './discovery/discovery.controller.js';
import { HealthController } from './health/health.controller.js';
import { JwksController } from './keys/jwks.controller.js';
import { KeyLifecycle } from './keys/key-lifecycle.service.js';
import { KeyRotationScheduler } from './keys/key-rotation.scheduler.js';
import { keyVaultProvider, signingKeyStoreProvider } from './keys/signing-key-store.provider.js';
import { OAuthExceptionFilter } from './oauth/oauth-exception.filter.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { OutboxSignal } from './outbox/outbox.signal.js';
import { SecurityEventOutbox } from './outbox/security-event.outbox.js';
import { RevocationController } from './revocations/revocation.controller.js';
import { TokenRevocation } from './revocations/token-revocation.service.js';
import { databaseProvider } from './storage/database.provider.js';
import { DatabaseCloser } from './storage/database.closer.js';
import { AccessTokenIssuer } from './tokens/access-token.issuer.js';
import { IssuedTokenVerifier } from './tokens/issued-token.verifier.js';
import { IntrospectionController } from './tokens/introspection.controller.js';
import { ResourceServerRegistry } from './tokens/resource-server.registry.js';
import { TokenExchange } from './tokens/token-exchange.service.js';
import { TokenController } from './tokens/token.controller.js';
import { UserAuthenticator } from './users/user-authenticator.service.js';

/**
 * The auth service. Configuration comes from {@link authServiceConfig} (environment); tests replace it:
 *
 * @example
 * const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(authServiceConfig.KEY)
 *   .useValue(loadAuthServiceConfig({ NODE_ENV: 'test', KAFKA_BROKERS: brokers, DATABASE_URL: url, AUTH_DATABASE_SCHEMA: 'auth_e2e_1' }))
 *   .compile();
 * const app = moduleRef.createNestApplication<NestExpressApplication>();
 * configureApp(app);
 * await app.init();
 */
@Module({
  controllers: [
    DiscoveryController,
    JwksController,
    TokenController,
    RevocationController,
    IntrospectionController,
    HealthController,
  ],
  providers: [
    { provide: authServiceConfig.KEY, useFactory: authServiceConfig },
    { provide: Clock, useClass: SystemClock },
    databaseProvider,
    DatabaseCloser,
    AuditLog,
    keyVaultProvider,
    KeyLifecycle,
    signingKeyStoreProvider,
    KeyRotationScheduler,
    OutboxSignal,
    SecurityEventOutbox,
    OutboxRelay,
    ClientAuthenticator,
    UserAuthenticator,
    ResourceServerRegistry,
    AccessTokenIssuer,
    IssuedTokenVerifier,
    TokenExchange,
    TokenRevocation,
    { provide: APP_FILTER, useClass: OAuthExceptionFilter },
  ],
})
export class AppModule {}
