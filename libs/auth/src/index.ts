export { AUTH_DEFAULTS, SUPPORTED_ALGORITHMS, resolveAuthOptions } from './auth-options.js';
export type { AuthModuleOptions, ResolvedAuthOptions, RevocationFailurePolicy } from './auth-options.js';
export { AuthReadiness } from './auth-readiness.js';
export type { AuthReadinessStatus } from './auth-readiness.js';
export { createClaimsDtoValidator } from './claims/claims-dto.validator.js';
export { resourceServerConfigFromEnv } from './config/resource-server-config.env.js';
export type { ResourceServerConfig, ResourceServerEnvDefaults } from './config/resource-server-config.env.js';
export {
  AuthError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  KeySourceUnavailableError,
  MissingTokenError,
  RevocationStateUnavailableError,
} from './errors/auth.errors.js';
export type { InvalidTokenCode } from './errors/auth.errors.js';
export { JwksKeyCache } from './keys/jwks-key-cache.js';
export type { JwksKeyCacheOptions } from './keys/jwks-key-cache.js';
export { KeyResolver } from './keys/verification-key.js';
export type { VerificationKey } from './keys/verification-key.js';
export { AuthExceptionFilter } from './nest/auth-exception.filter.js';
export { AUTH_OPTIONS } from './nest/auth-options.token.js';
export { AuthModule } from './nest/auth.module.js';
export type { AuthModuleExtras } from './nest/auth.module-definition.js';
export { Claims } from './nest/claims.decorator.js';
export { HealthController } from './nest/health.controller.js';
export { JwtAuthGuard } from './nest/jwt-auth.guard.js';
export { toEventLogger } from './nest/nest-event-logger.js';
export { Public } from './nest/public.decorator.js';
export { Scopes } from './nest/scopes.decorator.js';
export { RevocationFeed } from './revocations/revocation-feed.js';
export type { RevocationFeedStats } from './revocations/revocation-feed.js';
export { RevocationIndex } from './revocations/revocation-index.js';
export type { RevocableToken } from './revocations/revocation-index.js';
export type { AccessTokenClaims, AuthenticatedToken } from './tokens/access-token-claims.js';
export { AccessTokenVerifier } from './tokens/access-token.verifier.js';
export { extractBearerToken } from './tokens/bearer-token.js';
export { TokenAuthenticator } from './tokens/token-authenticator.js';
