import {
  compactVerify,
  decodeProtectedHeader,
  errors as joseErrors,
  type CryptoKey,
  type KeyObject,
  type ProtectedHeaderParameters,
} from 'jose';
import { assertEventAlgorithms } from './event-algorithms.js';
import { EventVerificationError, type EventVerificationErrorCode } from './event-verification.error.js';
import {
  REVOCATION_EVENT_TYPES,
  REVOCATION_TARGET_TYPES,
  type RevocationTargetType,
  type VerifiedRevocation,
} from './revocation.js';
import {
  EVENT_LIMITS,
  isAudience,
  isEventId,
  isNumericDate,
  isReason,
  SECEVENT_JWT_TYPE,
} from './security-event-token.js';

/**
 * Finds the verification key for an event's header (typically the JWKS key with that `kid`). Whatever it throws
 * reaches the caller of {@link decodeRevocationEvent} unchanged, so the caller can tell a transient failure
 * (JWKS unreachable: retry) from a final one (unknown kid: drop).
 *
 * @example
 * ```ts
 * const resolveKey: EventKeyResolver = async ({ kid }) => keyCache.get(kid);
 * ```
 */
export type EventKeyResolver = (header: { kid?: string; alg?: string }) => Promise<CryptoKey | KeyObject>;

/** Options of {@link decodeRevocationEvent}. */
export interface DecodeRevocationEventOptions {
  /** Expected `iss` (exact match). */
  issuer: string;
  /** When set, `aud` must be or contain it (or, given a list, one of them: a service known by several ids). */
  audience?: string | readonly string[];
  /** Asymmetric JWS algorithms accepted (e.g. `['ES256']`); `none` and `HS*` are refused with a TypeError. */
  algorithms: readonly string[];
  resolveKey: EventKeyResolver;
  /** Max size of the SET in bytes, checked before parsing. Default {@link EVENT_LIMITS}.maxBytes (16 KiB). */
  maxBytes?: number;
}

/**
 * Verifies a revocation SET produced by {@link encodeRevocationEvent} and returns the revocation.
 * Strict: size first, then header (`typ` must be `secevent+jwt`, `alg` in the allow-list), signature,
 * then every claim and the single event's payload (types, lengths, integer NumericDates, `expiresAt >= revokedAt`,
 * event type URI matching `target_type`). An already expired revocation is still returned: pruning is the
 * consumer's job.
 *
 * Throws {@link EventVerificationError} for anything that is the event's fault; what `resolveKey` throws propagates
 * unchanged; a `TypeError` for invalid options.
 *
 * @example
 * ```ts
 * const revocation = await decodeRevocationEvent(record.value, {
 *   issuer: 'http://127.0.0.1:3000',
 *   audience: 'orders-service',
 *   algorithms: ['ES256'],
 *   resolveKey: async ({ kid }) => keyCache.get(kid),
 * });
 * index.add(revocation);
 * ```
 */
export async function decodeRevocationEvent(
  jws: string,
  options: DecodeRevocationEventOptions,
): Promise<VerifiedRevocation> {
  const { issuer, audience, algorithms, resolveKey, maxBytes = EVENT_LIMITS.maxBytes } = options;
  assertDecodeOptions(options, maxBytes);
  assertSize(jws, maxBytes);
  const header = readHeader(jws);
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new EventVerificationError('ERR_EVENT_SIGNATURE_INVALID', 'event algorithm is not allowed');
  }

  const key = await resolveKey({ kid: header.kid, alg: header.alg });
  const payload = await verifySignature(jws, key, algorithms);
  const claims = parseClaims(payload);

  if (claims.iss !== issuer) fail('ERR_EVENT_CLAIMS_INVALID', 'unexpected "iss"');
  if (!isAudience(claims.aud)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "aud"');
  const eventAudiences = toArray(claims.aud);
  if (audience !== undefined && !toArray(audience).some((expected) => eventAudiences.includes(expected)))
    fail('ERR_EVENT_CLAIMS_INVALID', 'unexpected "aud"');
  if (!isNumericDate(claims.iat)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "iat"');
  if (!isEventId(claims.jti)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "jti"');

  const [type, event] = readSingleEvent(claims.events);
  return { ...readRevocation(type, event), eventId: claims.jti, issuedAt: claims.iat };
}

function assertDecodeOptions(options: DecodeRevocationEventOptions, maxBytes: number): void {
  if (typeof options.issuer !== 'string' || options.issuer === '')
    throw new TypeError('"issuer" must be a non-empty string');
  if (options.audience !== undefined && !isAudience(options.audience))
    throw new TypeError('"audience" must be an id string or a non-empty list of them');
  assertEventAlgorithms(options.algorithms, 'algorithms');
  if (typeof options.resolveKey !== 'function') throw new TypeError('"resolveKey" must be a function');
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError('"maxBytes" must be a positive integer');
}

function assertSize(jws: unknown, maxBytes: number): asserts jws is string {
  if (typeof jws !== 'string' || jws === '') fail('ERR_EVENT_MALFORMED', 'event is not a non-empty string');
  // Bytes are at least characters in UTF-8: reject long strings before measuring them.
  if (jws.length > maxBytes || Buffer.byteLength(jws, 'utf8') > maxBytes)
    fail('ERR_EVENT_MALFORMED', 'event is too large');
}

function readHeader(jws: string): ProtectedHeaderParameters {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(jws);
  } catch (cause) {
    return fail('ERR_EVENT_MALFORMED', 'event header cannot be decoded', cause);
  }
  if (!isSecEventType(header.typ)) fail('ERR_EVENT_MALFORMED', 'event "typ" is not secevent+jwt');
  if (header.kid !== undefined && !isEventId(header.kid)) fail('ERR_EVENT_MALFORMED', 'event "kid" is invalid');
  return header;
}

/** RFC 7515 §4.1.9: media types compare case-insensitively and may omit the `application/` prefix. */
function isSecEventType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === SECEVENT_JWT_TYPE || lower === `application/${SECEVENT_JWT_TYPE}`;
}

async function verifySignature(
  jws: string,
  key: CryptoKey | KeyObject,
  algorithms: readonly string[],
): Promise<Uint8Array> {
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: [...algorithms] });
    return payload;
  } catch (cause) {
    return fail(codeOfVerifyError(cause), 'event signature cannot be verified', cause);
  }
}

/**
 * jose's own error codes are mapped; anything else from jose (a TypeError when the resolved key does not fit the
 * header's algorithm) means the event claims an algorithm its key cannot have.
 */
function codeOfVerifyError(cause: unknown): EventVerificationErrorCode {
  if (cause instanceof joseErrors.JWSInvalid) return 'ERR_EVENT_MALFORMED';
  return 'ERR_EVENT_SIGNATURE_INVALID';
}

interface RawClaims {
  iss?: unknown;
  aud?: unknown;
  iat?: unknown;
  jti?: unknown;
  events?: unknown;
}

function parseClaims(payload: Uint8Array): RawClaims {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (cause) {
    return fail('ERR_EVENT_MALFORMED', 'event payload is not JSON', cause);
  }
  if (!isPlainObject(claims)) fail('ERR_EVENT_MALFORMED', 'event payload is not a JSON object');
  return claims;
}

function readSingleEvent(events: unknown): [string, Record<string, unknown>] {
  if (!isPlainObject(events)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "events"');
  const entries = Object.entries(events);
  if (entries.length !== 1) fail('ERR_EVENT_CLAIMS_INVALID', '"events" must hold exactly one event');
  const [type, event] = entries[0];
  if (!isRevocationEventType(type)) fail('ERR_EVENT_TYPE_UNKNOWN', 'event type is not a known revocation type');
  if (!isPlainObject(event)) fail('ERR_EVENT_CLAIMS_INVALID', 'event payload is not an object');
  return [type, event];
}

function readRevocation(
  type: string,
  event: Record<string, unknown>,
): Omit<VerifiedRevocation, 'eventId' | 'issuedAt'> {
  const { subject, target_type: targetType, revoked_at: revokedAt, expires_at: expiresAt, reason } = event;
  if (!isTargetType(targetType) || REVOCATION_EVENT_TYPES[targetType] !== type) {
    fail('ERR_EVENT_CLAIMS_INVALID', '"target_type" does not match the event type');
  }
  if (!isPlainObject(subject) || subject.format !== 'opaque' || !isEventId(subject.id)) {
    fail('ERR_EVENT_CLAIMS_INVALID', 'invalid "subject"');
  }
  if (!isNumericDate(revokedAt)) fail('ERR_EVENT_CLAIMS_INVALID', 'invalid "revoked_at"');
  if (!isNumericDate(expiresAt) || expiresAt < revokedAt) fail('ERR_EVENT_CLAIMS_INVALID', 'invalid "expires_at"');
  if (!isReason(reason)) fail('ERR_EVENT_CLAIMS_INVALID', 'invalid "reason"');
  return {
    target: { type: targetType, value: subject.id },
    revokedAt,
    expiresAt,
    ...(reason === undefined ? {} : { reason }),
  };
}

const revocationEventTypes: ReadonlySet<string> = new Set(Object.values(REVOCATION_EVENT_TYPES));

function isRevocationEventType(type: string): boolean {
  return revocationEventTypes.has(type);
}

function isTargetType(value: unknown): value is RevocationTargetType {
  return REVOCATION_TARGET_TYPES.includes(value as RevocationTargetType);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toArray(aud: string | readonly string[]): readonly string[] {
  return typeof aud === 'string' ? [aud] : aud;
}

function fail(code: EventVerificationErrorCode, message: string, cause?: unknown): never {
  throw new EventVerificationError(code, message, cause === undefined ? undefined : { cause });
}
