import { Reflector } from '@nestjs/core';

/** The OAuth endpoints limited per client, each with its own limit (`AuthServiceConfig.rateLimits`). */
export const RATE_LIMITED_ENDPOINTS = ['token', 'revoke', 'introspect'] as const;
export type RateLimitedEndpoint = (typeof RATE_LIMITED_ENDPOINTS)[number];

/**
 * Metadata naming the limit of a route (the throttler of that name); written by {@link RateLimited}, read by
 * `ClientRateLimitGuard`.
 *
 * @example
 * reflector.get(RateLimitedEndpointKey, context.getHandler()); // 'token'
 */
export const RateLimitedEndpointKey = Reflector.createDecorator<RateLimitedEndpoint>();
