import type { JWTPayload } from 'jose';

/** JOSE `typ` of access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * Claims of a verified access token (RFC 9068 §2.2). `sid` and `auth_time` are present when the
 * token comes from a user session.
 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  sid?: string;
  auth_time?: number;
}

/** What the guard attaches to the request once a token has passed every check. */
export interface AuthenticatedToken {
  readonly claims: AccessTokenClaims;
  /** The key that signed it. */
  readonly kid: string;
  readonly scopes: ReadonlySet<string>;
}
