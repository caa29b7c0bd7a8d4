import { Reflector } from '@nestjs/core';
import { assertMaxAuthAgeSeconds } from '../tokens/token-authenticator.js';

/** The metadata `@RequireRecentAuth` writes and the route-requirement reading turns into `maxAuthAgeSeconds`. */
export const RecentAuthSeconds = Reflector.createDecorator<number>();

/**
 * Requires the user to have authenticated at most `seconds` ago (the token's `auth_time`, measured with the
 * verifier's clock and tolerance), for routes where a stolen or long-lived session must not be enough (RFC 9470).
 * A token whose `auth_time` is older, or absent (a client_credentials token), gets 401
 * `error="insufficient_user_authentication"` with `max_age="<seconds>"` and `errorCode` `ERR_AUTH_TOO_OLD`; the
 * client sends the user to log in again. Checked after the scopes. On a controller and a handler, the stricter
 * (smaller) bound applies. Works behind `JwtAuthGuard` and `AuthGuard('jwt')` (`PassportAuthModule`) alike.
 *
 * @throws TypeError unless `seconds` is a positive integer.
 *
 * @example
 * ```ts
 * @UseGuards(JwtAuthGuard)
 * @Scopes('orders:write')
 * @RequireRecentAuth(300)
 * @Delete('orders/:id') remove() { … }
 * ```
 */
export function RequireRecentAuth(seconds: number): ClassDecorator & MethodDecorator {
  assertMaxAuthAgeSeconds(seconds, '@RequireRecentAuth()');
  return RecentAuthSeconds(seconds);
}
