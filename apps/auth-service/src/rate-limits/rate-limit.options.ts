import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AuthServiceConfig } from '../config/auth-service.config.js';
import { RATE_LIMITED_ENDPOINTS } from './rate-limited-endpoint.js';
import { SlidingWindowStorage } from './sliding-window.storage.js';

/**
 * `@nestjs/throttler` options from the config: one throttler per limited endpoint, a sliding window
 * (`blockDuration: 0`: a request is refused only while the window holds `limit` counted ones, and refused requests
 * are not counted, so a client that slows down gets through again), kept in memory (per instance: N instances allow
 * N times the limit) by {@link SlidingWindowStorage} rather than the package's default storage, whose cost per request
 * grows with the limit (see there). No `X-RateLimit-*` headers:
 * 429 answers carry `Retry-After`, set where every OAuth error is rendered.
 *
 * @example
 * ThrottlerModule.forRootAsync({ imports: [FoundationModule], inject: [authServiceConfig.KEY], useFactory: rateLimitOptions })
 */
export function rateLimitOptions(config: AuthServiceConfig): ThrottlerModuleOptions {
  const { windowSeconds, ...limits } = config.rateLimits;
  return {
    setHeaders: false,
    storage: new SlidingWindowStorage(),
    throttlers: RATE_LIMITED_ENDPOINTS.map((name) => ({
      name,
      limit: limits[name],
      ttl: windowSeconds * 1000,
      blockDuration: 0,
    })),
  };
}
