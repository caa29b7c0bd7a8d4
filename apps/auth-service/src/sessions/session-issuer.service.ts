import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/client-authenticator.service.js';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import type { FormParams } from '../oauth/form-params.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { OutboxSignal } from '../outbox/outbox.signal.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import { AccessTokenIssuer } from '../tokens/access-token.issuer.js';
import { ResourceServerRegistry } from '../tokens/resource-server.registry.js';
import { grantScopes, type ScopeGrant } from '../tokens/scope-grant.js';
import type { GrantResult } from '../tokens/token-exchange.service.js';
import { readUserAccess } from '../users/user-access.reader.js';
import { generateRefreshToken, hashRefreshToken, isRefreshToken } from './refresh-token.js';
import { refreshTokenUse } from './refresh-token-use.policy.js';
import { endSessions, SESSION_END_REASONS } from './session-end.js';
import { sessionLapse } from './session-lapse.policy.js';
import {
  findRefreshToken,
  insertSession,
  recordSessionActivity,
  rotateRefreshToken,
  spendReuseGrace,
  type SessionState,
} from './session.repository.js';
import { SessionRevoker } from './session-revoker.service.js';

/** The grant type a client needs to be given refresh tokens at all. */
const REFRESH_TOKEN_GRANT = 'refresh_token';

/**
 * How a refresh went inside its transaction: tokens (a new refresh token on rotation, none for a grace use), or a
 * refusal whose changes (a session end) must commit.
 */
type RefreshOutcome =
  | { kind: 'issued'; tokens: GrantResult; sid: string; generation: number }
  | { kind: 'refused'; reason: string; sid?: string; revoked?: boolean };

/**
 * User sessions at the token endpoint. The password grant {@link open}s one: a `sid`, an `auth_time`, and — for a
 * client allowed the `refresh_token` grant — an opaque refresh token stored as its hash. The `refresh_token` grant
 * ({@link refresh}) rotates it: under the session row's lock the presented token dies and a new one is returned with
 * a new access token, same `sid` and `auth_time`, scopes no wider than the login's and the user's current roles.
 * A dead token presented again revokes the whole session ({@link SessionRevoker}), except the immediately previous
 * token within the reuse grace, once, which gets an access token only (so one refresh token at most stays alive).
 * Past the absolute lifetime or the idle timeout, or for a disabled user, the session ends and the answer is
 * `invalid_grant`.
 *
 * @example
 * const { issued, refreshToken } = await sessions.refresh(client, params);
 */
@Injectable()
export class SessionIssuer {
  private readonly logger = new Logger(SessionIssuer.name);

  constructor(
    @Inject(AccessTokenIssuer) private readonly issuer: AccessTokenIssuer,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(SessionRevoker) private readonly revoker: SessionRevoker,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /** Opens a session for an authenticated user with what its login was granted (`resources`: its RFC 8707 values). */
  async open(
    client: AuthenticatedClient,
    userId: string,
    grant: ScopeGrant,
    resources: readonly string[],
  ): Promise<GrantResult> {
    const sid = randomUUID();
    const authTime = toNumericDate(this.clock.now());
    const issued = await this.issuer.issue({ clientId: client.id, subject: userId, grant, session: { sid, authTime } });
    const refreshToken = client.grantTypes.includes(REFRESH_TOKEN_GRANT) ? generateRefreshToken() : undefined;
    await insertSession(
      this.db,
      {
        sid,
        userId,
        clientId: client.id,
        authTime,
        scopes: grant.scopes,
        resources,
        expiresAt: authTime + this.config.sessions.maxLifetimeSeconds,
        accessTokensExpireAt: issued.claims.exp,
      },
      refreshToken === undefined ? undefined : hashRefreshToken(refreshToken),
    );
    return { issued, refreshToken };
  }

  /** The `refresh_token` grant (RFC 6749 §6) for a client allowed it; every refusal is `invalid_grant`. */
  async refresh(client: AuthenticatedClient, params: FormParams): Promise<GrantResult> {
    const presented = params.require('refresh_token');
    if (!isRefreshToken(presented)) return this.refuse(client, { kind: 'refused', reason: 'malformed refresh token' });
    const outcome = await this.db.transaction((tx) => this.refreshIn(tx, client, hashRefreshToken(presented), params));
    if (outcome.kind === 'refused') return this.refuse(client, outcome);
    this.logger.log({
      msg: 'session refreshed',
      client_id: client.id,
      sid: outcome.sid,
      generation: outcome.generation,
      rotated: outcome.tokens.refreshToken !== undefined,
    });
    return outcome.tokens;
  }

  private async refreshIn(
    tx: SqlExecutor,
    client: AuthenticatedClient,
    tokenHash: string,
    params: FormParams,
  ): Promise<RefreshOutcome> {
    const found = await findRefreshToken(tx, tokenHash, { lock: true });
    if (found === undefined) return { kind: 'refused', reason: 'unknown refresh token' };
    const { session, token } = found;
    const { sid } = session;
    // RFC 6749 §10.4: bound to its client. Another client holding it changes nothing (it is not the one to protect).
    if (session.clientId !== client.id) return { kind: 'refused', reason: 'refresh token of another client', sid };
    if (session.endedAt !== null) return { kind: 'refused', reason: 'session ended', sid };
    const nowS = this.clock.now() / 1000;
    const use = refreshTokenUse(token, nowS, this.config.sessions.refreshTokenReuseGraceSeconds);
    if (use === 'reuse') {
      await this.revoker.revoke(tx, session, SESSION_END_REASONS.refreshTokenReuse, client.id);
      return { kind: 'refused', reason: 'refresh token reuse: session revoked', sid, revoked: true };
    }
    const lapse = sessionLapse(session, nowS, this.config.sessions.idleTimeoutSeconds);
    if (lapse !== undefined) {
      await endSessions(tx, { sid }, lapse, nowS);
      return { kind: 'refused', reason: `session ${lapse}`, sid };
    }
    const user = await readUserAccess(tx, session.userId);
    if (user === undefined || user.disabled) {
      await endSessions(tx, { sid }, SESSION_END_REASONS.userDisabled, nowS);
      return { kind: 'refused', reason: 'user disabled', sid };
    }
    const issued = await this.issuer.issue(
      {
        clientId: client.id,
        subject: session.userId,
        grant: await this.refreshedGrant(tx, session, client, user.scopes, params),
        session: { sid, authTime: session.authTime },
      },
      tx,
    );
    let refreshToken: string | undefined;
    if (use === 'rotate') {
      refreshToken = generateRefreshToken();
      await rotateRefreshToken(tx, sid, tokenHash, token.generation, hashRefreshToken(refreshToken), nowS);
    } else {
      await spendReuseGrace(tx, tokenHash, nowS);
    }
    await recordSessionActivity(tx, sid, nowS, issued.claims.exp);
    return { kind: 'issued', tokens: { issued, refreshToken }, sid, generation: token.generation };
  }

  /**
   * RFC 6749 §6: never more than the login granted. Allowed = the login's scopes ∩ the client's ∩ the user's current
   * roles; `scope` narrows within it (`invalid_scope` beyond). `resource` (RFC 8707) narrows the audience within the
   * login's resources (`invalid_target` beyond); absent, the login's apply.
   */
  private async refreshedGrant(
    tx: SqlExecutor,
    session: SessionState,
    client: AuthenticatedClient,
    userScopes: readonly string[],
    params: FormParams,
  ): Promise<ScopeGrant> {
    const resources = params.getAll('resource');
    if (session.resources.length > 0 && !resources.every((r) => session.resources.includes(r))) {
      throw new OAuthError(OAUTH_ERRORS.invalidTarget, 'resource outside the original grant');
    }
    return grantScopes({
      requested: params.get('scope'),
      clientScopes: session.scopes.filter((s) => client.scopes.includes(s)),
      userScopes,
      resources: resources.length > 0 ? resources : session.resources,
      resourceServers: await this.resourceServers.list(tx),
    });
  }

  private refuse(client: AuthenticatedClient, outcome: Extract<RefreshOutcome, { kind: 'refused' }>): never {
    if (outcome.revoked === true) this.signal.notify();
    this.logger.warn({ msg: 'refresh refused', client_id: client.id, sid: outcome.sid, reason: outcome.reason });
    throw new OAuthError(OAUTH_ERRORS.invalidGrant, 'invalid refresh token', { cause: new Error(outcome.reason) });
  }
}
