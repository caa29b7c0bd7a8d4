import { decodeProtectedHeader, errors, jwtVerify, type ProtectedHeaderParameters } from 'jose';
import { isCanonicalCompactJws } from '@app/events';
import { InvalidTokenError, type InvalidTokenCode } from '../errors/auth.errors.js';
import {
  KeyNotFoundError,
  type KeyNotFoundReason,
  type KeyResolver,
  type VerificationKey,
} from '../keys/verification-key.js';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims, type AuthenticatedToken } from './access-token-claims.js';

/** Options of {@link AccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  readonly issuer: string;
  /**
   * A token's `aud` must name one of these. Resource servers always set it; only the issuer itself,
   * checking its own tokens for revocation or introspection (RFC 7009, RFC 7662), leaves it out.
   */
  readonly audiences?: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxTokenBytes: number;
  readonly clock: () => number;
}

// RFC 9068 §4: "at+jwt"; the "application/" prefix may be used and is compared case-insensitively.
const ACCESS_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'];

/**
 * Verifies a JWT access token per RFC 9068 with jose: header shape and `typ`, an allow-listed `alg`
 * that the key set must hold a key for under that `kid` (so no `none`, no HS/RS confusion),
 * signature, then `iss`, `aud`, `exp`, `nbf`, `iat` with bounded skew. No Nest imports: every adapter shares it.
 *
 * @example
 * ```ts
 * const verifier = new AccessTokenVerifier(options, keySet);
 * const { claims, scopes } = await verifier.verify(token);
 * ```
 */
export class AccessTokenVerifier {
  /** jose wants a mutable array; copied once here rather than on every request. */
  private readonly audience: string[] | undefined;

  constructor(
    private readonly options: AccessTokenVerifierOptions,
    private readonly keys: KeyResolver,
  ) {
    this.audience = options.audiences === undefined ? undefined : [...options.audiences];
  }

  async verify(token: string): Promise<AuthenticatedToken> {
    if (token.length > this.options.maxTokenBytes) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token longer than maxTokenBytes');
    }
    const header = this.readHeader(token);
    const key = await this.resolveKey(header);
    const now = this.options.clock();
    let payload: AccessTokenClaims;
    try {
      const verified = await jwtVerify<AccessTokenClaims>(token, key.key, {
        algorithms: [key.alg],
        issuer: this.options.issuer,
        audience: this.audience,
        clockTolerance: this.options.clockToleranceSeconds,
        currentDate: new Date(now),
        requiredClaims: REQUIRED_CLAIMS,
      });
      payload = verified.payload;
    } catch (error) {
      throw toInvalidTokenError(error);
    }
    this.checkClaimTypes(payload, now);
    return { claims: payload, kid: key.kid, scopes: new Set(payload.scope?.split(' ').filter(Boolean) ?? []) };
  }

  private async resolveKey(header: { kid: string; alg: string }): Promise<VerificationKey> {
    try {
      return await this.keys.resolve(header);
    } catch (error) {
      if (!(error instanceof KeyNotFoundError)) throw error;
      throw new InvalidTokenError(KEY_MISS_CODES[error.reason], error.message, { cause: error });
    }
  }

  private readHeader(token: string): ProtectedHeaderParameters & { alg: string; kid: string } {
    if (!isCanonicalCompactJws(token)) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token is not a canonical compact JWS');
    }
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token header is not a JSON object', { cause: error });
    }
    if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidTokenError('ERR_TOKEN_TYPE_INVALID', 'Header typ is not at+jwt');
    }
    if (typeof header.alg !== 'string' || !this.options.algorithms.includes(header.alg)) {
      throw new InvalidTokenError('ERR_TOKEN_ALG_NOT_ALLOWED', `Header alg ${String(header.alg)} is not allowed`);
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Header has no kid');
    }
    if (header.crit !== undefined) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Header has crit parameters this verifier does not know');
    }
    return header as ProtectedHeaderParameters & { alg: string; kid: string };
  }

  private checkClaimTypes(claims: AccessTokenClaims, now: number): void {
    const strings = [claims.sub, claims.jti, claims.client_id];
    if (strings.some((value) => typeof value !== 'string' || value === '')) {
      throw new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'sub, jti and client_id must be non-empty strings');
    }
    if (claims.scope !== undefined && typeof claims.scope !== 'string') {
      throw new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'scope must be a space-separated string');
    }
    if (claims.sid !== undefined && typeof claims.sid !== 'string') {
      throw new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'sid must be a string');
    }
    if (claims.auth_time !== undefined && !Number.isFinite(claims.auth_time)) {
      throw new InvalidTokenError('ERR_TOKEN_CLAIMS_INVALID', 'auth_time must be a NumericDate');
    }
    if (claims.iat > now / 1000 + this.options.clockToleranceSeconds) {
      throw new InvalidTokenError('ERR_TOKEN_NOT_YET_VALID', 'iat is in the future');
    }
  }
}

/** A revoked key revokes every token it signed; a key bound to another alg is algorithm confusion. */
const KEY_MISS_CODES: Record<KeyNotFoundReason, InvalidTokenCode> = {
  unknown: 'ERR_TOKEN_KEY_UNKNOWN',
  'alg-mismatch': 'ERR_TOKEN_ALG_NOT_ALLOWED',
  revoked: 'ERR_TOKEN_REVOKED',
};

const CLAIM_CODES: Record<string, InvalidTokenCode> = {
  iss: 'ERR_TOKEN_ISSUER_INVALID',
  aud: 'ERR_TOKEN_AUDIENCE_INVALID',
  nbf: 'ERR_TOKEN_NOT_YET_VALID',
};

function toInvalidTokenError(error: unknown): InvalidTokenError {
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError('ERR_TOKEN_EXPIRED', 'Token expired', { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    // A claim of the wrong type (jose's reason "invalid", e.g. a string nbf) is malformed, not early or misdirected.
    const code = (error.reason !== 'invalid' && CLAIM_CODES[error.claim]) || 'ERR_TOKEN_CLAIMS_INVALID';
    return new InvalidTokenError(code, `Claim ${error.claim} invalid: ${error.reason}`, { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError('ERR_TOKEN_SIGNATURE_INVALID', 'Signature verification failed', { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError('ERR_TOKEN_ALG_NOT_ALLOWED', 'Algorithm not allowed', { cause: error });
  }
  return new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token could not be parsed', { cause: error });
}
