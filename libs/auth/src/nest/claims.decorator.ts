import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessTokenClaims } from '../tokens/access-token-claims.js';
import { AUTHENTICATED_TOKEN, type AuthenticatedRequest } from './authenticated-request.js';

/**
 * Hands the handler the verified claims of the request's access token (or one claim by name).
 * Only meaningful behind `JwtAuthGuard` or `AuthGuard('jwt')` (`PassportAuthModule`).
 *
 * @example
 * ```ts
 * @Get('orders') list(@Claims() claims: AccessTokenClaims, @Claims('sub') subject: string) { … }
 * ```
 */
export const Claims = createParamDecorator(
  (claim: keyof AccessTokenClaims | undefined, context: ExecutionContext): unknown => {
    const token = context.switchToHttp().getRequest<AuthenticatedRequest>()[AUTHENTICATED_TOKEN];
    if (token === undefined) {
      throw new TypeError('@Claims() used on a route that neither JwtAuthGuard nor AuthGuard(jwt) protects');
    }
    return claim === undefined ? token.claims : token.claims[claim];
  },
);
