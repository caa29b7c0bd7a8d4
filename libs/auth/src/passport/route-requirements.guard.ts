import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { routeRequirements, type RouteRequirements } from '../nest/route-requirements.js';

/** Where {@link RouteRequirementsGuard} leaves the route's requirements on the request. */
const ROUTE_REQUIREMENTS = Symbol('auth.route-requirements');

interface RequestWithRequirements {
  [ROUTE_REQUIREMENTS]?: RouteRequirements;
}

/**
 * The `@Public()`/`@Scopes()`/`@RequireRecentAuth()` requirements of the route a request is for, as {@link RouteRequirementsGuard} left
 * them; `undefined` when it did not run.
 */
export function requirementsOf(request: object): RouteRequirements | undefined {
  return (request as RequestWithRequirements)[ROUTE_REQUIREMENTS];
}

/**
 * A Passport strategy sees the request, never the handler, so it cannot read `@Public()`, `@Scopes()` or
 * `@RequireRecentAuth()`. This guard,
 * registered app-wide by `PassportAuthModule`, runs before every controller and route guard (Nest runs global guards
 * first) and leaves the route's requirements on the request for the strategy behind `AuthGuard('jwt')`. It never
 * refuses anything. A symbol property: nothing a client sends can set it.
 */
@Injectable()
export class RouteRequirementsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<RequestWithRequirements>();
      request[ROUTE_REQUIREMENTS] = routeRequirements(this.reflector, context);
    }
    return true;
  }
}
