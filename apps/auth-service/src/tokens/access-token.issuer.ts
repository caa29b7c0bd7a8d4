import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SignJWT } from 'jose';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { RecentCutOffs } from '../revocations/recent-cut-offs.js';
import { latestCutOff } from '../revocations/revocation.repository.js';
import { Database, type SqlExecutor } from '../storage/database.js';
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
 * Longest wait for the second after a cut-off. A cut-off is never later than the second it was made in, so the
 * wait is under a second; the bound only matters when the instance that made it runs ahead of this one's clock.
 */
const MAX_CUT_OFF_WAIT_MS = 2_000;

/**
 * Signs RFC 9068 access tokens with the current signing key (header `alg`, `kid`, `typ: at+jwt`).
 *
 * `iat` is in whole seconds and a subject or client cut-off refuses `iat <= revokedAt`, so a token signed in the
 * second of a cut-off of its subject or client (a login right after `POST /admin/revocations`, a refresh right after
 * a role change) would be refused everywhere at once. Issuance therefore waits until the clock has left that second
 * (under a second, bounded by {@link MAX_CUT_OFF_WAIT_MS}); the alternatives give up something: an `iat` ahead of
 * the clock lies about when the token was signed, and a cut-off at `revokedAt - 1` lets through tokens signed in the
 * second of the revocation before it.
 *
 * The cut-offs come from memory ({@link RecentCutOffs}: the last seconds' ones, re-read on each `auth_cut_offs`
 * notification) while it is live, so a token costs no database read; else, and always inside a caller's transaction
 * (whose own uncommitted writes only it can see), from one indexed read of `revocations`. This instance's own
 * cut-offs are in memory as soon as they are written. What memory can miss is a cut-off just committed by another
 * instance whose notification has not arrived here yet (milliseconds): a token signed then in that second is refused
 * everywhere, exactly as it would be without the wait — fail-safe, it can only refuse a new token; it never makes a
 * revoked one pass, because verifiers check `iat` against the cut-off itself, not against this wait.
 *
 * @example
 * const { token, claims } = await issuer.issue({ clientId: 'demo-app', subject: 'client:demo-app', grant });
 * const refreshed = await issuer.issue({ clientId, subject: userId, grant, session }, tx); // inside a transaction
 */
@Injectable()
export class AccessTokenIssuer {
  private readonly logger = new Logger(AccessTokenIssuer.name);

  constructor(
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(Database) private readonly db: Database,
    @Inject(RecentCutOffs) private readonly recentCutOffs: RecentCutOffs,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /** `executor`: the caller's transaction when it holds one (the embedded database runs one at a time). */
  async issue(subject: AccessTokenSubject, executor: SqlExecutor = this.db): Promise<IssuedAccessToken> {
    const iat = await this.issuedAt(subject, executor);
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

  /** Now, once past the second of any cut-off of the token's subject or client. */
  private async issuedAt(subject: AccessTokenSubject, executor: SqlExecutor): Promise<number> {
    const nowS = toNumericDate(this.clock.now());
    const targets = [
      { type: 'sub', value: subject.subject },
      { type: 'client', value: subject.clientId },
    ] as const;
    const cutOff =
      executor === this.db && this.recentCutOffs.live
        ? this.recentCutOffs.latest(targets, nowS)
        : await latestCutOff(executor, targets, nowS);
    if (cutOff === undefined) return nowS;
    // A timer may fire a millisecond early: wait again until the clock has truly left the cut-off's second. The
    // bound is on elapsed time, not on the injected clock (a test's fixed clock never moves).
    const started = performance.now();
    for (let now = this.clock.now(); toNumericDate(now) <= cutOff; now = this.clock.now()) {
      const leftMs = MAX_CUT_OFF_WAIT_MS - (performance.now() - started);
      if (leftMs <= 0) break;
      await sleep(Math.min((cutOff + 1) * 1000 - now + 1, leftMs));
    }
    const iat = toNumericDate(this.clock.now());
    if (iat <= cutOff) {
      this.logger.warn({
        msg: 'token issued in the second of a cut-off of its subject or client: it will be refused',
        client_id: subject.clientId,
        cut_off: cutOff,
        iat,
      });
    }
    return iat;
  }
}
