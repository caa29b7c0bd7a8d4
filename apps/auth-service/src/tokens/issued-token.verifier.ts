import { Inject, Injectable } from '@nestjs/common';
import { AccessTokenVerifier, AUTH_DEFAULTS, InvalidTokenError, type InvalidTokenCode } from '@app/auth/core';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SIGNING_ALGORITHMS } from '../keys/signing-key.generator.js';
import type { IssuedTokenClaims } from './access-token.issuer.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { Database } from '../storage/database.js';

/** Longest token we even try to parse. */
const MAX_TOKEN_BYTES = 8192;

/** Result of {@link IssuedTokenVerifier.verify}; the rejection code is for logs, never shown beyond `active:false`. */
export type TokenVerification =
  { ok: true; claims: IssuedTokenClaims; kid: string } | { ok: false; reason: InvalidTokenCode };

/**
 * Verifies access tokens this service issued, with the same verifier resource servers use (`@app/auth`)
 * over our published keys, for any audience; and checks them against the revocations table. Used by
 * revocation and introspection: never trusts unverified input.
 *
 * @example
 * const result = await verifier.verify(token);
 * if (result.ok && !(await verifier.isRevoked(result.claims, result.kid))) { ... }
 */
@Injectable()
export class IssuedTokenVerifier {
  /** Introspection: `active` means not expired, without tolerance (RFC 7662). */
  private readonly strict: AccessTokenVerifier;
  /** Revocation: resource servers accept a token until `exp` plus their clock tolerance, so it can be revoked until then. */
  private readonly lenient: AccessTokenVerifier;

  constructor(
    @Inject(SigningKeyStore) keys: SigningKeyStore,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) config: AuthServiceConfig,
  ) {
    const verifierFor = (clockToleranceSeconds: number) =>
      new AccessTokenVerifier(
        {
          issuer: config.issuer,
          algorithms: SIGNING_ALGORITHMS,
          clockToleranceSeconds,
          maxTokenBytes: MAX_TOKEN_BYTES,
          clock: () => clock.now(),
        },
        keys,
      );
    this.strict = verifierFor(0);
    this.lenient = verifierFor(AUTH_DEFAULTS.maxClockToleranceSeconds);
  }

  /** Verifies a token for introspection: expired means inactive. */
  verify(token: string): Promise<TokenVerification> {
    return this.check(this.strict, token);
  }

  /** Verifies a token for revocation: also one that expired less than the longest clock tolerance ago. */
  verifyForRevocation(token: string): Promise<TokenVerification> {
    return this.check(this.lenient, token);
  }

  private async check(verifier: AccessTokenVerifier, token: string): Promise<TokenVerification> {
    try {
      const { claims, kid } = await verifier.verify(token);
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      return { ok: true, claims: { ...claims, aud, scope: claims.scope ?? '' }, kid };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { ok: false, reason: error.code };
      throw error;
    }
  }

  /** Is the token hit by a revocation (its jti, its session or key, or its subject/client revoked at or after `iat`)? */
  async isRevoked(claims: IssuedTokenClaims, kid: string): Promise<boolean> {
    const rows = await this.db.query<{ hit: number }>(
      `SELECT 1 AS hit FROM revocations
        WHERE expires_at > to_timestamp($7)
          AND ((target_type = 'jti' AND target_value = $1)
            OR (target_type = 'sid' AND target_value = $2)
            OR (target_type = 'sub' AND target_value = $3 AND revoked_at >= to_timestamp($6))
            OR (target_type = 'client' AND target_value = $4 AND revoked_at >= to_timestamp($6))
            OR (target_type = 'kid' AND target_value = $5))
        LIMIT 1`,
      [claims.jti, claims.sid ?? null, claims.sub, claims.client_id, kid, claims.iat, toNumericDate(this.clock.now())],
    );
    return rows.length > 0;
  }
}
