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
 * Requirements by handler, then by controller (one handler can serve several controllers by inheritance). Route
 * metadata is written by decorators when the classes are defined, so it is read once per route, not per request.
 */
const requirementsByRoute = new WeakMap<object, WeakMap<object, RouteRequirements>>();

/**
 * Reads the requirements of the route a guard runs for: the one reading of `@Public`/`@Scopes`/`@RequireRecentAuth`,
 * shared by `JwtAuthGuard` and the Passport adapter so both enforce the same thing.
 *
 * @example
 * ```ts
 * const route = routeRequirements(this.reflector, context);
 * if (!route.public) await server.authenticate(request.headersDistinct.authorization, route);
 * ```
 */
export function routeRequirements(reflector: Reflector, context: ExecutionContext): RouteRequirements {
  const handler = context.getHandler();
  const controller = context.getClass();
  let byController = requirementsByRoute.get(handler);
  if (byController === undefined) {
    byController = new WeakMap();
    requirementsByRoute.set(handler, byController);
  }
  let requirements = byController.get(controller);
  if (requirements === undefined) {
    requirements = readRouteRequirements(reflector, context);
    byController.set(controller, requirements);
  }
  return requirements;
}

function readRouteRequirements(reflector: Reflector, context: ExecutionContext): RouteRequirements {
  const handler = context.getHandler();
  const controller = context.getClass();
  if (reflector.getAllAndOverride(Public, [handler, controller]) === true) {
    return PUBLIC_ROUTE;
  }
  // Controller scopes first, then the handler's: the order the challenge lists them in.
  const merged = reflector.getAllAndMerge(RequiredScopes, [controller, handler]) ?? [];
  const scopes = [...new Set(merged)];
  const bounds = reflector
    .getAll(RecentAuthSeconds, [controller, handler])
    .filter((seconds): seconds is number => seconds !== undefined);
  return bounds.length === 0
    ? { public: false, scopes }
    : { public: false, scopes, maxAuthAgeSeconds: Math.min(...bounds) };
}
