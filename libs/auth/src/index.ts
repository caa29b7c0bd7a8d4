/**
 * The Nest entry of the library: `AuthModule`, `JwtAuthGuard`, the decorators (`@Public`, `@Scopes`,
 * `@RequireRecentAuth`, `@Claims`), the RFC 6750 filter, the health and metrics controllers and the prom-client
 * binding of the resource-server metrics, plus the core types a Nest service names. The framework-free parts are in
 * `@app/auth/core`.
 */
export {
  AuthError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidTokenError,
  ResourceServer,
  type AccessTokenClaims,
  type AuthenticatedToken,
  type ResourceServerEvents,
  type ResourceServerStatus,
  type TokenRequirements,
} from './core.js';
export { AuthModule } from './nest/auth.module.js';
export type { AuthModuleOptions } from './nest/auth-module.options.js';
export type { AuthModuleExtras } from './nest/auth.module-definition.js';
export { AuthExceptionFilter } from './nest/auth-exception.filter.js';
export { Claims } from './nest/claims.decorator.js';
export { HealthController } from './nest/health.controller.js';
export { ResourceServerHealthIndicator, type ReadinessPart } from './nest/resource-server.health.js';
export { MetricsController } from './nest/metrics.controller.js';
export {
  PROPAGATION_BUCKETS_SECONDS,
  registerResourceServerMetrics,
  RESOURCE_SERVER_METRICS,
} from './metrics/resource-server.metrics.js';
export { JwtAuthGuard } from './nest/jwt-auth.guard.js';
export { toEventLogger } from './nest/nest-event-logger.js';
export {
  resourceServerConfigFromEnv,
  type ResourceServerConfig,
  type ResourceServerEnvDefaults,
} from './config/resource-server-config.env.js';
export { kafkaSecurityFromEnv, type KafkaSecurity } from './config/kafka-security.env.js';
export { logLevelFromEnv, type LogLevelName } from './config/log-level.env.js';
export { transportConfigFromEnv, type TransportConfig } from './config/transport-config.env.js';
export { Public } from './nest/public.decorator.js';
export { RequireRecentAuth } from './nest/require-recent-auth.decorator.js';
export { Scopes } from './nest/scopes.decorator.js';
