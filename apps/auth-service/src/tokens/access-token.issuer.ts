import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims } from '@app/auth/core';
import type { ScopeGrant } from './scope-grant.js';

/** What a token is issued for. */
export interface AccessTokenSubject {
  clientId: string;
  /** `sub`: the user id (a UUID) for a user's session; `clientSubject(client id)` for client_credentials. */
  subject: string;
  grant: ScopeGrant;
  session?: { sid: string; authTime: number };
}

/** Claims of a token we issue (RFC 9068), with `aud` always a list and `scope` always a string (possibly empty). */
export type IssuedTokenClaims = AccessTokenClaims & { aud: string[]; scope: string };

/** A signed access token and what the token response needs. */
export interface IssuedAccessToken {
  token: string;
  claims: IssuedTokenClaims;
  expiresIn: number;
}

/**
 * Signs RFC 9068 access tokens with the current signing key (header `alg`, `kid`, `typ: at+jwt`).
 *
 * @example
 * const { token, claims } = await issuer.issue({ clientId: 'demo-app', subject: 'client:demo-app', grant });
 */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async issue(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    const iat = toNumericDate(this.clock.now());
    const ttl = this.config.accessTokenTtlSeconds;
    const claims: IssuedTokenClaims = {
      iss: this.config.issuer,
      sub: subject.subject,
      aud: subject.grant.audience,
      client_id: subject.clientId,
      scope: subject.grant.scopes.join(' '),
      iat,
      exp: iat + ttl,
      jti: randomUUID(),
    };
    if (subject.session !== undefined) {
      claims.sid = subject.session.sid;
      claims.auth_time = subject.session.authTime;
    }
    const { kid, alg, privateKey } = this.keys.signingKey();
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYPE })
      .sign(privateKey);
    return { token, claims, expiresIn: ttl };
  }
}
