import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { Public } from './public.decorator.js';
import { RequiredScopes } from './scopes.decorator.js';

/** What a route asks of a request's bearer token, from its `@Public()` and `@Scopes()` metadata. */
export interface RouteRequirements {
  /** `@Public()` on the handler or its controller: no token is looked at. */
  readonly public: boolean;
  /** Every scope of `@Scopes()` on the controller and the handler, the controller's first, each once. */
  readonly scopes: readonly string[];
}

const PUBLIC_ROUTE: RouteRequirements = { public: true, scopes: [] };

/**
 * Reads the requirements of the route a guard runs for: the one reading of `@Public`/`@Scopes`, shared by
 * `JwtAuthGuard` and the Passport adapter so both enforce the same thing.
 *
 * @example
 * ```ts
 * const { public: open, scopes } = routeRequirements(this.reflector, context);
 * ```
 */
export function routeRequirements(reflector: Reflector, context: ExecutionContext): RouteRequirements {
  if (reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]) === true) {
    return PUBLIC_ROUTE;
  }
  // Controller scopes first, then the handler's: the order the challenge lists them in.
  const merged = reflector.getAllAndMerge(RequiredScopes, [context.getClass(), context.getHandler()]) ?? [];
  return { public: false, scopes: [...new Set(merged)] };
}
