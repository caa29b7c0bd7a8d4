import { Reflector } from '@nestjs/core';

/** The metadata `@Scopes` writes and `JwtAuthGuard` reads. */
export const RequiredScopes = Reflector.createDecorator<string[]>();

/**
 * Requires every listed scope (RFC 6749 §3.3) on the token; a token lacking one gets 403
 * `insufficient_scope`. On a controller and a handler, the lists add up.
 *
 * @example
 * ```ts
 * @UseGuards(JwtAuthGuard)
 * @Scopes('orders:write')
 * @Post('orders') create() { … }
 * ```
 */
export function Scopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  if (scopes.length === 0 || scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
    throw new TypeError('@Scopes() needs one or more scope tokens (RFC 6749 §3.3)');
  }
  return RequiredScopes(scopes);
}
