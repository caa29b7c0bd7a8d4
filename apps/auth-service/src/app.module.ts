import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthModule } from '@app/auth';
import { adminAuthOptions } from './admin/admin-auth.options.js';
import { AdminAuditController } from './admin/admin-audit.controller.js';
import { AdminCallAuditor } from './admin/admin-call.auditor.js';
import { AdminKeysController } from './admin/admin-keys.controller.js';
import { AdminRevocationsController } from './admin/admin-revocations.controller.js';
import { AdminUsersController } from './admin/admin-users.controller.js';
import { ClientAuthenticator } from './clients/client-authenticator.service.js';
import { ClientDirectory } from './clients/client.directory.js';
import { authServiceConfig } from './config/auth-service.config.js';
import { DiscoveryController } from './discovery/discovery.controller.js';
import { FoundationModule } from './foundation.module.js';
import { HealthController } from './health/health.controller.js';
import { JwksController } from './keys/jwks.controller.js';
import { AuthServiceEvents } from './observability/auth-service.events.js';
import { OutboxStagesLog } from './observability/outbox-stages.log.js';
import { AuthServiceMetrics } from './observability/auth-service.metrics.js';
import { KeyRotationScheduler } from './keys/key-rotation.scheduler.js';
import { DataRetention } from './retention/data-retention.service.js';
import { DataRetentionScheduler } from './retention/data-retention.scheduler.js';
import { SigningKeyStore } from './keys/signing-key.store.js';
import { OAuthExceptionFilter } from './oauth/oauth-exception.filter.js';
import { HeartbeatPublisher } from './outbox/heartbeat.publisher.js';
import { OutboxAcks } from './outbox/outbox.acks.js';
import { RevocationSnapshotPublisher } from './outbox/revocation-snapshot.publisher.js';
import { OutboxRelay } from './outbox/outbox.relay.js';
import { LoginBackoff } from './rate-limits/login-backoff.service.js';
import { rateLimitOptions } from './rate-limits/rate-limit.options.js';
import { AdminRevocations } from './revocations/admin-revocations.service.js';
import { RevocationController } from './revocations/revocation.controller.js';
import { RecentCutOffs } from './revocations/recent-cut-offs.js';
import { RevocationRecorder } from './revocations/revocation.recorder.js';
import { RefreshTokenIntrospector } from './sessions/refresh-token.introspector.js';
import { SessionIssuer } from './sessions/session-issuer.service.js';
import { SessionRevoker } from './sessions/session-revoker.service.js';
import { TokenRevocation } from './revocations/token-revocation.service.js';
import { AccessTokenIssuer } from './tokens/access-token.issuer.js';
import { IssuedTokenVerifier } from './tokens/issued-token.verifier.js';
import { IntrospectionController } from './tokens/introspection.controller.js';
import { TokenExchange } from './tokens/token-exchange.service.js';
import { TokenController } from './tokens/token.controller.js';
import { UserAdministration } from './users/user-administration.service.js';
import { UserAuthenticator } from './users/user-authenticator.service.js';

/**
 * The auth service. Configuration comes from `authServiceConfig` (environment, in {@link FoundationModule}); tests
 * replace it:
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
  imports: [
    FoundationModule,
    // The admin API is guarded by the library every resource server uses (see adminAuthOptions). Its filter
    // (AuthError only) and OAuthExceptionFilter (everything else, OAuth shapes on /oauth/ only) both stay global.
    AuthModule.forRootAsync({
      imports: [FoundationModule],
      inject: [authServiceConfig.KEY, SigningKeyStore],
      useFactory: adminAuthOptions,
      guardAllRoutes: false,
    }),
    // Per-client limits of the OAuth endpoints (ClientRateLimitGuard, applied by @RateLimited on each route).
    ThrottlerModule.forRootAsync({
      imports: [FoundationModule],
      inject: [authServiceConfig.KEY],
      useFactory: rateLimitOptions,
    }),
  ],
  controllers: [
    DiscoveryController,
    JwksController,
    TokenController,
    RevocationController,
    IntrospectionController,
    HealthController,
    AdminKeysController,
    AdminAuditController,
    AdminRevocationsController,
    AdminUsersController,
  ],
  providers: [
    AuthServiceEvents,
    AuthServiceMetrics,
    OutboxStagesLog,
    KeyRotationScheduler,
    DataRetention,
    DataRetentionScheduler,
    HeartbeatPublisher,
    OutboxAcks,
    RevocationSnapshotPublisher,
    OutboxRelay,
    ClientDirectory,
    ClientAuthenticator,
    LoginBackoff,
    UserAuthenticator,
    AccessTokenIssuer,
    IssuedTokenVerifier,
    TokenExchange,
    RecentCutOffs,
    RevocationRecorder,
    SessionRevoker,
    SessionIssuer,
    RefreshTokenIntrospector,
    TokenRevocation,
    AdminRevocations,
    UserAdministration,
    AdminCallAuditor,
    { provide: APP_FILTER, useClass: OAuthExceptionFilter },
  ],
})
export class AppModule {}
