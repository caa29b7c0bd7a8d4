/**
 * The auth service's own audience: its admin API is a resource server of itself, so its tokens name it in `aud` and
 * every security event is addressed to it too (its admin guard reads the same topics as every resource server).
 *
 * @example
 * AuthModule.forRoot({ issuer, audience: AUTH_SERVICE_AUDIENCE, ... });
 */
export const AUTH_SERVICE_AUDIENCE = 'auth-service';
