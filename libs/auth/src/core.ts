/**
 * The framework-free entry of the library: everything a resource server needs to check bearer tokens, with no
 * Nest, no Kafka client and no class-validator loaded. `@app/auth` (the Nest entry) wraps it.
 */
export {
  AUTH_DEFAULTS,
  type AuthOptions,
  type ResolvedAuthOptions,
  type RevocationFailurePolicy,
} from './auth-options.js';
export { ResourceServer, type EventFeedStatus, type ResourceServerStatus } from './resource-server.js';
export type { SnapshotLoadOutcome } from './feeds/revocation-snapshot.loader.js';
export {
  UNEXPECTED_REJECTION_CODE,
  type EventAppliedEvent,
  type EventDroppedEvent,
  type ResourceServerEvents,
  type RevocationEntryCounts,
  type TokenRejectedEvent,
  type TokenVerifiedEvent,
} from './resource-server.events.js';
export type { StalenessStatus } from './feeds/stream-staleness.js';
export {
  AuthError,
  InsecureTransportError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
  InvalidTokenError,
  KeySourceUnavailableError,
  MissingTokenError,
  RevocationCapacityExceededError,
  RevocationStateUnavailableError,
  type InvalidTokenCode,
} from './errors/auth.errors.js';
export {
  KeyNotFoundError,
  KeyResolver,
  type KeyNotFoundReason,
  type VerificationKey,
} from './keys/verification-key.js';
export { RevocationIndex } from './revocations/revocation-index.js';
export { ACCESS_TOKEN_TYPE, type AccessTokenClaims, type AuthenticatedToken } from './tokens/access-token-claims.js';
export { AccessTokenVerifier, type AccessTokenVerifierOptions } from './tokens/access-token.verifier.js';
export type { RequestTransport, TokenRequirements } from './tokens/token-authenticator.js';
export {
  VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
  type VerifiedTokenCacheSize,
} from './tokens/verified-token.cache.js';
