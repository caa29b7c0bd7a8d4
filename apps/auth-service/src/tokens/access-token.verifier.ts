import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore, UnknownSigningKeyError } from '../keys/signing-key.store.js';
import { Database } from '../storage/database.js';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './access-token.claims.js';

/** Longest token we even try to parse. */
export const MAX_TOKEN_LENGTH = 8192;

/** Why a token was not accepted (for logs; never shown to clients beyond `active:false`). */
export type TokenRejection = 'malformed' | 'invalid' | 'expired' | 'unknown_key';

/** Result of {@link AccessTokenVerifier.verify}. */
export type TokenVerification =
  { ok: true; claims: AccessTokenClaims; kid: string } | { ok: false; reason: TokenRejection };

function hasAccessTokenShape(payload: JWTPayload): payload is JWTPayload & AccessTokenClaims {
  return (
    typeof payload.sub === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload['client_id'] === 'string' &&
    typeof payload['scope'] === 'string' &&
    typeof payload.iat === 'number' &&
    typeof payload.exp === 'number' &&
    (typeof payload.aud === 'string' || Array.isArray(payload.aud))
  );
}

/**
 * Verifies access tokens issued by this service (signature with our published keys, `typ`, `iss`, `exp`) and
 * checks the revocations table. Used by revocation and introspection: never trusts unverified input.
 *
 * @example
 * const result = await verifier.verify(token);
 * if (result.ok && !(await verifier.isRevoked(result.claims))) { ... }
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async verify(token: string): Promise<TokenVerification> {
    if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
      return { ok: false, reason: 'malformed' };
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        (header) => this.keys.resolveVerificationKey(header),
        {
          issuer: this.config.issuer,
          typ: ACCESS_TOKEN_TYP,
          algorithms: this.keys.algorithms(),
          currentDate: new Date(this.clock.now()),
          requiredClaims: ['iat', 'exp', 'jti', 'sub'],
        },
      );
      if (!hasAccessTokenShape(payload)) return { ok: false, reason: 'invalid' };
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      return { ok: true, claims: { ...payload, aud }, kid: protectedHeader.kid ?? '' };
    } catch (error) {
      if (error instanceof UnknownSigningKeyError) return { ok: false, reason: 'unknown_key' };
      if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof errors.JOSEError) return { ok: false, reason: 'invalid' };
      throw error;
    }
  }

  /** Is the token hit by a revocation (its jti, or its session/subject/client/key revoked at or after `iat`)? */
  async isRevoked(claims: AccessTokenClaims, kid: string): Promise<boolean> {
    const rows = await this.db.query<{ hit: number }>(
      `SELECT 1 AS hit FROM revocations
        WHERE expires_at > to_timestamp($7)
          AND ((target_type = 'jti' AND target_value = $1)
            OR (target_type = 'sid' AND target_value = $2 AND revoked_at >= to_timestamp($6))
            OR (target_type = 'sub' AND target_value = $3 AND revoked_at >= to_timestamp($6))
            OR (target_type = 'client' AND target_value = $4 AND revoked_at >= to_timestamp($6))
            OR (target_type = 'kid' AND target_value = $5))
        LIMIT 1`,
      [claims.jti, claims.sid ?? null, claims.sub, claims.client_id, kid, claims.iat, toNumericDate(this.clock.now())],
    );
    return rows.length > 0;
  }
}
