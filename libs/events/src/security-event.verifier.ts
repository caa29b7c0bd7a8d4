import {
  compactVerify,
  decodeProtectedHeader,
  errors as joseErrors,
  type CryptoKey,
  type KeyObject,
  type ProtectedHeaderParameters,
} from 'jose';
import { isCanonicalCompactJws } from './compact-jws.js';
import { assertEventAlgorithms } from './event-algorithms.js';
import { failEvent as fail, type EventVerificationErrorCode } from './event-verification.error.js';
import {
  EVENT_LIMITS,
  isAudience,
  isEventId,
  isNumericDate,
  isPlainObject,
  SECEVENT_JWT_TYPE,
} from './security-event-token.js';

/**
 * Finds the verification key for an event's protected header. The key set binds each key to one algorithm, so it
 * gets `kid` and `alg` together and refuses a pair that does not match. Whatever it throws reaches the caller of
 * {@link verifySecurityEvent} unchanged, so the caller can tell a transient failure (key source unreachable: retry)
 * from a final one (no such key: drop).
 *
 * @example
 * ```ts
 * const resolveKey: EventKeyResolver = async (header) => (await keySet.resolve(header)).key;
 * ```
 */
export type EventKeyResolver = (header: { kid: string; alg: string }) => Promise<CryptoKey | KeyObject>;

/** Options of {@link verifySecurityEvent}. */
export interface VerifySecurityEventOptions {
  /** Expected `iss` (exact match). */
  issuer: string;
  /** When set, `aud` must be or contain it (or, given a list, one of them: a service known by several ids). */
  audience?: string | readonly string[];
  /** Asymmetric JWS algorithms accepted (e.g. `['ES256']`); `none` and `HS*` are refused with a TypeError. */
  algorithms: readonly string[];
  /** The event types the topic carries; any other is refused with `ERR_EVENT_TYPE_UNKNOWN`. */
  types: ReadonlySet<string>;
  resolveKey: EventKeyResolver;
  /** Max size of the SET in bytes, checked before parsing. Default {@link EVENT_LIMITS}.maxBytes (16 KiB). */
  maxBytes?: number;
}

/**
 * A Security Event Token whose signature and envelope claims have been verified; its one event's payload is
 * still raw: a per-type parser ({@link parseRevocationEvent}, {@link parseKeyEvent}) reads it.
 *
 * @example
 * ```ts
 * const event: VerifiedSecurityEvent = await verifySecurityEvent(record.value, options);
 * if (event.type === EVENT_TYPES.keyPublished) keys.apply(parseKeyEvent(event));
 * ```
 */
export interface VerifiedSecurityEvent {
  /** The event type URI (the one key of `events`). */
  readonly type: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** `jti` of the SET. */
  readonly eventId: string;
  /** `iat` of the SET (NumericDate, s). */
  readonly issuedAt: number;
  /** The key that signed it. */
  readonly kid: string;
}

/**
 * The generic check of a Security Event Token (RFC 8417), the same for every event type: size first, then the
 * header (`typ` `secevent+jwt`, `alg` in the allow-list, a `kid`), the key for `{ kid, alg }`, the signature, then
 * `iss`, `aud`, `iat`, `jti` and exactly one event of a type the topic carries. The payload of that event is left to
 * the per-type parser.
 *
 * Throws {@link EventVerificationError} for anything that is the event's fault; what `resolveKey` throws propagates
 * unchanged; a `TypeError` for invalid options.
 *
 * @example
 * ```ts
 * const event = await verifySecurityEvent(record.value, {
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-service',
 *   algorithms: ['ES256'],
 *   types: new Set(Object.values(REVOCATION_EVENT_TYPES)),
 *   resolveKey: async (header) => (await keySet.resolve(header)).key,
 * });
 * index.apply(parseRevocationEvent(event));
 * ```
 */
export async function verifySecurityEvent(
  jws: string,
  options: VerifySecurityEventOptions,
): Promise<VerifiedSecurityEvent> {
  const { issuer, audience, algorithms, types, resolveKey, maxBytes = EVENT_LIMITS.maxBytes } = options;
  assertOptions(options, maxBytes);
  assertSize(jws, maxBytes);
  const { kid, alg } = readHeader(jws, algorithms);

  const key = await resolveKey({ kid, alg });
  const claims = parseClaims(await verifySignature(jws, key, alg));

  if (claims.iss !== issuer) fail('ERR_EVENT_CLAIMS_INVALID', 'unexpected "iss"');
  if (!isAudience(claims.aud)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "aud"');
  const eventAudiences = toArray(claims.aud);
  if (audience !== undefined && !toArray(audience).some((expected) => eventAudiences.includes(expected)))
    fail('ERR_EVENT_CLAIMS_INVALID', 'unexpected "aud"');
  if (!isNumericDate(claims.iat)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "iat"');
  if (!isEventId(claims.jti)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "jti"');

  const [type, payload] = readSingleEvent(claims.events, types);
  return { type, payload, eventId: claims.jti, issuedAt: claims.iat, kid };
}

function assertOptions(options: VerifySecurityEventOptions, maxBytes: number): void {
  if (typeof options.issuer !== 'string' || options.issuer === '')
    throw new TypeError('"issuer" must be a non-empty string');
  if (options.audience !== undefined && !isAudience(options.audience))
    throw new TypeError('"audience" must be an id string or a non-empty list of them');
  assertEventAlgorithms(options.algorithms, 'algorithms');
  if (!(options.types instanceof Set) || options.types.size === 0)
    throw new TypeError('"types" must be a non-empty Set of event type URIs');
  if (typeof options.resolveKey !== 'function') throw new TypeError('"resolveKey" must be a function');
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError('"maxBytes" must be a positive integer');
}

function assertSize(jws: unknown, maxBytes: number): asserts jws is string {
  if (typeof jws !== 'string' || jws === '') fail('ERR_EVENT_MALFORMED', 'event is not a non-empty string');
  // Bytes are at least characters in UTF-8: reject long strings before measuring them.
  if (jws.length > maxBytes || Buffer.byteLength(jws, 'utf8') > maxBytes)
    fail('ERR_EVENT_MALFORMED', 'event is too large');
}

function readHeader(jws: string, algorithms: readonly string[]): { kid: string; alg: string } {
  if (!isCanonicalCompactJws(jws)) fail('ERR_EVENT_MALFORMED', 'event is not a canonical compact JWS');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(jws);
  } catch (cause) {
    return fail('ERR_EVENT_MALFORMED', 'event header cannot be decoded', cause);
  }
  if (!isSecEventType(header.typ)) fail('ERR_EVENT_MALFORMED', 'event "typ" is not secevent+jwt');
  if (!isEventId(header.kid)) fail('ERR_EVENT_MALFORMED', 'event "kid" is missing or invalid');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    fail('ERR_EVENT_SIGNATURE_INVALID', 'event algorithm is not allowed');
  }
  return { kid: header.kid, alg: header.alg };
}

/** RFC 7515 §4.1.9: media types compare case-insensitively and may omit the `application/` prefix. */
function isSecEventType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === SECEVENT_JWT_TYPE || lower === `application/${SECEVENT_JWT_TYPE}`;
}

async function verifySignature(jws: string, key: CryptoKey | KeyObject, alg: string): Promise<Uint8Array> {
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: [alg] });
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

function readSingleEvent(events: unknown, types: ReadonlySet<string>): [string, Record<string, unknown>] {
  if (!isPlainObject(events)) fail('ERR_EVENT_CLAIMS_INVALID', 'missing or invalid "events"');
  const entries = Object.entries(events);
  if (entries.length !== 1) fail('ERR_EVENT_CLAIMS_INVALID', '"events" must hold exactly one event');
  const [type, payload] = entries[0];
  if (!types.has(type)) fail('ERR_EVENT_TYPE_UNKNOWN', 'event type is not one this topic carries');
  if (!isPlainObject(payload)) fail('ERR_EVENT_CLAIMS_INVALID', 'event payload is not an object');
  return [type, payload];
}

function toArray(aud: string | readonly string[]): readonly string[] {
  return typeof aud === 'string' ? [aud] : aud;
}
