import { errors, jwtVerify, type CryptoKey, type JWTHeaderParameters, type KeyObject } from 'jose';
import { isCanonicalCompactJws } from '@app/events';
import { InvalidTokenError, type InvalidTokenCode } from '../errors/auth.errors.js';
import { KeyNotFoundError, type KeyNotFoundReason, type KeyResolver } from '../keys/verification-key.js';
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
  /** jose wants mutable arrays; copied once here rather than on every request. */
  private readonly audience: string[] | undefined;
  private readonly algorithms: string[];

  constructor(
    private readonly options: AccessTokenVerifierOptions,
    private readonly keys: KeyResolver,
  ) {
    this.audience = options.audiences === undefined ? undefined : [...options.audiences];
    this.algorithms = [...options.algorithms];
  }

  async verify(token: string): Promise<AuthenticatedToken> {
    if (token.length > this.options.maxTokenBytes) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token longer than maxTokenBytes');
    }
    if (!isCanonicalCompactJws(token)) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token is not a canonical compact JWS');
    }
    const now = this.options.clock();
    let payload: AccessTokenClaims;
    let kid: string;
    try {
      // The key comes from a function of the header jose has parsed (and checked: `alg` allow-listed, `crit`), so
      // the header is decoded once; it checks the rest of the header before any signature work.
      const verified = await jwtVerify<AccessTokenClaims>(token, this.keyForHeader, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.audience,
        clockTolerance: this.options.clockToleranceSeconds,
        currentDate: new Date(now),
        requiredClaims: REQUIRED_CLAIMS,
      });
      payload = verified.payload;
      kid = verified.protectedHeader.kid!;
    } catch (error) {
      // What the key function threw (a refused header, an unknown key, keys that cannot be read) goes on as it is;
      // jose's own errors are about the token and become its answer.
      if (!(error instanceof errors.JOSEError)) throw error;
      throw toInvalidTokenError(error);
    }
    this.checkClaimTypes(payload, now);
    return { claims: payload, kid, scopes: new Set(payload.scope?.split(' ').filter(Boolean) ?? []) };
  }

  /**
   * The key of a header `alg` and `kid` name together (so no `none`, no HS/RS confusion: the key set binds each key
   * to its one algorithm), once the header is an access token's: `typ` at+jwt, a `kid`, no `crit`.
   */
  private readonly keyForHeader = async (header: JWTHeaderParameters): Promise<CryptoKey | KeyObject> => {
    if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidTokenError('ERR_TOKEN_TYPE_INVALID', 'Header typ is not at+jwt');
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Header has no kid');
    }
    // jose accepts `crit: ["b64"]` (RFC 7797); an access token has no use for any critical extension.
    if (header.crit !== undefined) {
      throw new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Header has crit parameters this verifier does not know');
    }
    try {
      return (await this.keys.resolve({ kid: header.kid, alg: header.alg })).key;
    } catch (error) {
      if (!(error instanceof KeyNotFoundError)) throw error;
      throw new InvalidTokenError(KEY_MISS_CODES[error.reason], error.message, { cause: error });
    }
  };

  private checkClaimTypes(claims: AccessTokenClaims, now: number): void {
    if (!isNonEmptyString(claims.sub) || !isNonEmptyString(claims.jti) || !isNonEmptyString(claims.client_id)) {
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

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
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
  // A header without a string `alg` is refused by jose before the key function sees it, as invalid JWS; by what it
  // lacks, it is a token of no allowed algorithm (the attack corpus pins this answer, e.g. `alg: ["ES256"]`).
  if (
    error instanceof errors.JOSEAlgNotAllowed ||
    (error instanceof errors.JWSInvalid && error.message.includes('"alg"'))
  ) {
    return new InvalidTokenError('ERR_TOKEN_ALG_NOT_ALLOWED', 'Algorithm not allowed', { cause: error });
  }
  return new InvalidTokenError('ERR_TOKEN_MALFORMED', 'Token could not be parsed', { cause: error });
}
