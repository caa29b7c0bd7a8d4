import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { KafkaConnection } from '@app/events';
import { resolveAuthOptions, type AuthModuleOptions, type ResolvedAuthOptions } from '../auth-options.js';
import { AuthReadiness } from '../auth-readiness.js';
import { createClaimsDtoValidator } from '../claims/claims-dto.validator.js';
import { JwksKeyCache } from '../keys/jwks-key-cache.js';
import { RevocationFeed } from '../revocations/revocation-feed.js';
import { RevocationIndex } from '../revocations/revocation-index.js';
import { AccessTokenVerifier } from '../tokens/access-token.verifier.js';
import { TokenAuthenticator } from '../tokens/token-authenticator.js';
import { AuthExceptionFilter } from './auth-exception.filter.js';
import { AuthLifecycle } from './auth-lifecycle.js';
import {
  AUTH_MODULE_ASYNC_OPTIONS_TYPE,
  AUTH_MODULE_OPTIONS,
  AUTH_MODULE_OPTIONS_TYPE,
  ConfigurableAuthModule,
} from './auth.module-definition.js';
import { AUTH_OPTIONS } from './auth-options.token.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { toEventLogger } from './nest-event-logger.js';

const logger = toEventLogger(new Logger('Auth'));

const providers: Provider[] = [
  {
    provide: AUTH_OPTIONS,
    useFactory: (options: AuthModuleOptions) => resolveAuthOptions(options),
    inject: [AUTH_MODULE_OPTIONS],
  },
  {
    provide: KafkaConnection,
    useFactory: (options: ResolvedAuthOptions) => new KafkaConnection(options.kafka, logger),
    inject: [AUTH_OPTIONS],
  },
  {
    provide: JwksKeyCache,
    useFactory: (options: ResolvedAuthOptions) =>
      new JwksKeyCache({
        jwksUri: options.jwksUri,
        algorithms: options.algorithms,
        clock: options.clock,
        logger,
        ...options.jwks,
      }),
    inject: [AUTH_OPTIONS],
  },
  {
    provide: RevocationIndex,
    useFactory: (options: ResolvedAuthOptions) =>
      new RevocationIndex({ clock: options.clock, graceSeconds: options.clockToleranceSeconds }),
    inject: [AUTH_OPTIONS],
  },
  {
    provide: RevocationFeed,
    useFactory: (
      options: ResolvedAuthOptions,
      connection: KafkaConnection,
      keys: JwksKeyCache,
      index: RevocationIndex,
    ) =>
      new RevocationFeed(
        connection,
        {
          topic: options.revocationsTopic,
          groupIdPrefix: options.groupIdPrefix,
          issuer: options.issuer,
          audiences: options.audiences,
          algorithms: options.algorithms,
          clock: options.clock,
        },
        keys,
        index,
        logger,
      ),
    inject: [AUTH_OPTIONS, KafkaConnection, JwksKeyCache, RevocationIndex],
  },
  {
    provide: AccessTokenVerifier,
    useFactory: (options: ResolvedAuthOptions, keys: JwksKeyCache) => new AccessTokenVerifier(options, keys),
    inject: [AUTH_OPTIONS, JwksKeyCache],
  },
  {
    provide: AuthReadiness,
    useFactory: (keys: JwksKeyCache, feed: RevocationFeed) => new AuthReadiness(keys, feed),
    inject: [JwksKeyCache, RevocationFeed],
  },
  {
    provide: TokenAuthenticator,
    useFactory: (
      options: ResolvedAuthOptions,
      verifier: AccessTokenVerifier,
      index: RevocationIndex,
      feed: RevocationFeed,
    ) =>
      new TokenAuthenticator(
        {
          maxTokenBytes: options.maxTokenBytes,
          revocationFailurePolicy: options.revocationFailurePolicy,
          revocationStateReady: () => feed.caughtUp,
          validateClaims: options.claimsDto === undefined ? undefined : createClaimsDtoValidator(options.claimsDto),
        },
        verifier,
        index,
      ),
    inject: [AUTH_OPTIONS, AccessTokenVerifier, RevocationIndex, RevocationFeed],
  },
  AuthLifecycle,
  JwtAuthGuard,
  { provide: APP_FILTER, useClass: AuthExceptionFilter },
];

const exported = [
  AUTH_OPTIONS,
  JwksKeyCache,
  RevocationIndex,
  AccessTokenVerifier,
  TokenAuthenticator,
  AuthReadiness,
  JwtAuthGuard,
];

/**
 * Resource-server authentication for Nest apps: verifies RFC 9068 access tokens locally against keys
 * from the issuer's JWKS, refuses revoked tokens within milliseconds through a revocation index fed
 * by Kafka, and answers failures per RFC 6750. See {@link AuthModuleOptions} for the options and
 * their defaults.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     AuthModule.forRootAsync({
 *       inject: [ordersConfig.KEY],
 *       useFactory: (config: OrdersConfig) => ({ issuer: config.issuer, audience: 'orders-service', kafka: config.kafka }),
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({ providers, exports: exported })
export class AuthModule extends ConfigurableAuthModule {
  static override forRoot(options: typeof AUTH_MODULE_OPTIONS_TYPE): DynamicModule {
    return withGlobalGuard(super.forRoot(options), options.guardAllRoutes);
  }

  static override forRootAsync(options: typeof AUTH_MODULE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withGlobalGuard(super.forRootAsync(options), options.guardAllRoutes);
  }
}

function withGlobalGuard(definition: DynamicModule, guardAllRoutes: boolean | undefined): DynamicModule {
  if (guardAllRoutes !== true) {
    return definition;
  }
  return {
    ...definition,
    providers: [...(definition.providers ?? []), { provide: APP_GUARD, useExisting: JwtAuthGuard }],
  };
}
