import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ClientRateLimitGuard } from './client-rate-limit.guard.js';
import { RATE_LIMITED_ENDPOINTS, RateLimitedEndpointKey, type RateLimitedEndpoint } from './rate-limited-endpoint.js';

/**
 * Limits a route per authenticated OAuth client with the limit of `endpoint` (`AUTH_RATE_LIMIT_<ENDPOINT>_REQUESTS`
 * per `AUTH_RATE_LIMIT_WINDOW_SECONDS`) and authenticates its client once (see {@link ClientRateLimitGuard}); the
 * handler takes the client with `@OAuthClient()`. There is one throttler per endpoint: the route skips the others'
 * (`@SkipThrottle`), so it counts against its own limit only.
 *
 * @example
 * @RateLimited('introspect') @OAuthEndpoint('introspect', …) introspect(@OAuthClient() client: AuthenticatedClient) { … }
 */
export function RateLimited(endpoint: RateLimitedEndpoint): MethodDecorator {
  const others = RATE_LIMITED_ENDPOINTS.filter((name) => name !== endpoint);
  return applyDecorators(
    RateLimitedEndpointKey(endpoint),
    SkipThrottle(Object.fromEntries(others.map((name) => [name, true]))),
    UseGuards(ClientRateLimitGuard),
  );
}
