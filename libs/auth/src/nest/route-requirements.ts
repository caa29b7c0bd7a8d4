import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { TokenRequirements } from '../tokens/token-authenticator.js';
import { Public } from './public.decorator.js';
import { RecentAuthSeconds } from './require-recent-auth.decorator.js';
import { RequiredScopes } from './scopes.decorator.js';

/**
 * What a route asks of a request's bearer token, from its `@Public()`, `@Scopes()` and `@RequireRecentAuth()`
 * metadata: the core's {@link TokenRequirements}, handed to it as they are.
 */
export interface RouteRequirements extends TokenRequirements {
  /** `@Public()` on the handler or its controller: no token is looked at. */
  readonly public: boolean;
  /** Every scope of `@Scopes()` on the controller and the handler, the controller's first, each once. */
  readonly scopes: readonly string[];
  /** The smaller `@RequireRecentAuth()` bound of the controller and the handler; absent when neither has one. */
  readonly maxAuthAgeSeconds?: number;
}

const PUBLIC_ROUTE: RouteRequirements = { public: true, scopes: [] };

/**
 * Reads the requirements of the route a guard runs for: the one reading of `@Public`/`@Scopes`/`@RequireRecentAuth`,
 * shared by
 * `JwtAuthGuard` and the Passport adapter so both enforce the same thing.
 *
 * @example
 * ```ts
 * const route = routeRequirements(this.reflector, context);
 * if (!route.public) await server.authenticate(request.headersDistinct.authorization, route);
 * ```
 */
export function routeRequirements(reflector: Reflector, context: ExecutionContext): RouteRequirements {
  if (reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]) === true) {
    return PUBLIC_ROUTE;
  }
  // Controller scopes first, then the handler's: the order the challenge lists them in.
  const merged = reflector.getAllAndMerge(RequiredScopes, [context.getClass(), context.getHandler()]) ?? [];
  const scopes = [...new Set(merged)];
  const bounds = reflector
    .getAll(RecentAuthSeconds, [context.getClass(), context.getHandler()])
    .filter((seconds): seconds is number => seconds !== undefined);
  return bounds.length === 0
    ? { public: false, scopes }
    : { public: false, scopes, maxAuthAgeSeconds: Math.min(...bounds) };
}
