/**
 * Claims of our access tokens (RFC 9068). `sid` and `auth_time` only for tokens from a user session.
 *
 * @example
 * const claims: AccessTokenClaims = { iss, sub, aud: ['orders-service'], client_id, scope: 'orders:read', iat, exp, jti };
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  client_id: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  sid?: string;
  auth_time?: number;
}

/** JOSE `typ` of access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
