import { applyDecorators, UseGuards } from '@nestjs/common';
import { ClientRateLimitGuard } from './client-rate-limit.guard.js';
import { RateLimitedEndpointKey, type RateLimitedEndpoint } from './rate-limited-endpoint.js';

/**
 * Limits a route per authenticated OAuth client with the limit of `endpoint` (`AUTH_RATE_LIMIT_<ENDPOINT>_REQUESTS`
 * per `AUTH_RATE_LIMIT_WINDOW_SECONDS`) and authenticates its client once (see {@link ClientRateLimitGuard}); the
 * handler takes the client with `@OAuthClient()`.
 *
 * @example
 * @RateLimited('introspect') @OAuthEndpoint('introspect', …) introspect(@OAuthClient() client: AuthenticatedClient) { … }
 */
export function RateLimited(endpoint: RateLimitedEndpoint): MethodDecorator {
  return applyDecorators(RateLimitedEndpointKey(endpoint), UseGuards(ClientRateLimitGuard));
}
