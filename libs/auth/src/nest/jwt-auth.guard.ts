import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { ResourceServer } from '../resource-server.js';
import { AUTHENTICATED_TOKEN, type AuthenticatedRequest } from './authenticated-request.js';
import { Public } from './public.decorator.js';
import { RequiredScopes } from './scopes.decorator.js';

/**
 * Authenticates the bearer token of an HTTP request (Express or Fastify) and enforces `@Scopes`.
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
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()]) === true) {
      return true;
    }
    // Controller scopes first, then the handler's: the order the challenge lists them in.
    const merged = this.reflector.getAllAndMerge(RequiredScopes, [context.getClass(), context.getHandler()]) ?? [];
    const requiredScopes = [...new Set(merged)];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request[AUTHENTICATED_TOKEN] = await this.server.authenticate(authorizationLines(request), requiredScopes, {
      secure: request.protocol === 'https',
    });
    return true;
  }
}

/**
 * Every `Authorization` line of the request. Node's `headers` keeps only the first line of a field that cannot be
 * a list, so a second one (which a proxy in front may have read instead) would pass unseen; `headersDistinct`
 * keeps them all. Express's request is Node's message, Fastify's wraps it in `raw`.
 */
function authorizationLines(request: AuthenticatedRequest & { raw?: IncomingMessage }): string | string[] | undefined {
  const message: Partial<IncomingMessage> = request.raw ?? request;
  return message.headersDistinct?.authorization ?? request.headers.authorization;
}
