import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ResourceServer } from '../resource-server.js';
import {
  AUTHENTICATED_TOKEN,
  authorizationLines,
  requestTransport,
  type AuthenticatedRequest,
} from './authenticated-request.js';
import { routeRequirements } from './route-requirements.js';

/**
 * Authenticates the bearer token of an HTTP request (Express or Fastify) and enforces `@Scopes` and
 * `@RequireRecentAuth`.
 * Use per controller/route with `@UseGuards(JwtAuthGuard)` or app-wide with
 * `AuthModule.forRoot({ …, guardAllRoutes: true })`; `@Public()` opens a route. The request's protocol (which
 * Express and Fastify take from a trusted proxy's `X-Forwarded-Proto` when one is configured) tells the core
 * whether it arrived over HTTPS, for `requireHttps`. Failures are thrown
 * as `AuthError`s and answered by `AuthExceptionFilter` (RFC 6750).
 *
 * @example
 * ```ts
 * @Controller('orders')
 * @UseGuards(JwtAuthGuard)
 * export class OrdersController {
 *   @Get() @Scopes('orders:read') list(@Claims('sub') sub: string) { … }
 * }
 * ```
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly server: ResourceServer,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = routeRequirements(this.reflector, context);
    if (route.public) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request[AUTHENTICATED_TOKEN] = await this.server.authenticate(
      authorizationLines(request),
      route,
      requestTransport(request),
    );
    return true;
  }
}
