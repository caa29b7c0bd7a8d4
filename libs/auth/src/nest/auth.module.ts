import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { ResourceServer } from '../resource-server.js';
import { AuthExceptionFilter } from './auth-exception.filter.js';
import { AuthLifecycle } from './auth-lifecycle.js';
import {
  AUTH_MODULE_ASYNC_OPTIONS_TYPE,
  AUTH_MODULE_OPTIONS_TYPE,
  ConfigurableAuthModule,
} from './auth.module-definition.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { metricsRegistryProvider } from './metrics-registry.provider.js';
import { ResourceServerHealthIndicator } from './resource-server.health.js';
import { resourceServerProvider } from './resource-server.provider.js';

/**
 * Resource-server authentication for Nest apps, a thin shell around one {@link ResourceServer}: verifies RFC 9068
 * access tokens locally against the issuer's keys (published set + key events), refuses revoked tokens within
 * milliseconds through a revocation index fed by Kafka, and answers failures per RFC 6750. See
 * {@link AuthModuleOptions} for the options and their defaults. It also serves `GET /metrics` (unless
 * `metrics: false`) from the app's metrics `Registry`, and provides what {@link HealthController} needs
 * (`/health`, `/health/live`, `/health/ready` through `@nestjs/terminus`).
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
@Module({
  // Readiness probes fail often while a service starts or is stale: the ResourceServer logs each transition once,
  // terminus would log an error line per probe.
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [
    resourceServerProvider,
    metricsRegistryProvider,
    ResourceServerHealthIndicator,
    AuthLifecycle,
    JwtAuthGuard,
    { provide: APP_FILTER, useClass: AuthExceptionFilter },
  ],
  exports: [ResourceServer, Registry, ResourceServerHealthIndicator, TerminusModule, JwtAuthGuard],
})
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
