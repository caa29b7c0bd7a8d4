import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { Database } from '../storage/database.js';
import { readUserAccess } from '../users/user-access.reader.js';
import { hashRefreshToken } from './refresh-token.js';
import { sessionDeadline, sessionLapse } from './session-lapse.policy.js';
import { findRefreshToken } from './session.repository.js';

/**
 * RFC 7662 answer for an active refresh token. No `token_type`: that member holds an access-token type of RFC 6749
 * §7.1 (`Bearer`), which a refresh token does not have; no `aud` and no `jti` either (it is no JWT, and only the auth
 * service ever accepts it).
 */
export interface RefreshTokenIntrospection {
  active: true;
  /** What a refresh would grant now: the login's scopes within the client's and the user's current ones. */
  scope: string;
  client_id: string;
  sub: string;
  iss: string;
  /** When it stops working unless used before: the session's idle deadline or absolute end. */
  exp: number;
  /** When it was issued (the login or the rotation that made it). */
  iat: number;
  sid: string;
}

/** Why a refresh token is not active, for the log only. */
export type RefreshTokenInactivity =
  'unknown' | 'another client' | 'session ended' | 'rotated' | 'session lapsed' | 'user disabled';

/**
 * Introspection of a refresh token: active exactly while the refresh grant would accept it from this client as the
 * live token of an open session (not ended, not past its lifetime or idle timeout, user not disabled). A previous
 * token still within the reuse grace is not active: the grace is for racing refreshes, not a second live token.
 *
 * @example
 * const answer = await introspector.introspect(client, presented); // { active: true, … } | { inactive: 'rotated' }
 */
@Injectable()
export class RefreshTokenIntrospector {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async introspect(
    client: AuthenticatedClient,
    token: string,
  ): Promise<RefreshTokenIntrospection | { inactive: RefreshTokenInactivity }> {
    const found = await findRefreshToken(this.db, hashRefreshToken(token), { lock: false });
    if (found === undefined) return { inactive: 'unknown' };
    const { session } = found;
    if (session.clientId !== client.id) return { inactive: 'another client' };
    if (session.endedAt !== null) return { inactive: 'session ended' };
    if (found.token.rotatedAt !== null) return { inactive: 'rotated' };
    const { idleTimeoutSeconds } = this.config.sessions;
    if (sessionLapse(session, this.clock.now() / 1000, idleTimeoutSeconds) !== undefined) {
      return { inactive: 'session lapsed' };
    }
    const user = await readUserAccess(this.db, session.userId);
    if (user === undefined || user.disabled) return { inactive: 'user disabled' };
    return {
      active: true,
      scope: session.scopes.filter((s) => client.scopes.includes(s) && user.scopes.includes(s)).join(' '),
      client_id: session.clientId,
      sub: session.userId,
      iss: this.config.issuer,
      exp: Math.floor(sessionDeadline(session, idleTimeoutSeconds)),
      iat: Math.floor(found.token.issuedAt),
      sid: session.sid,
    };
  }
}
