/**
 * The JWS `typ` header of every event (RFC 8417 §2.3). Access tokens (`at+jwt`) are refused as events.
 *
 * @example
 * ```ts
 * decodeProtectedHeader(value).typ === SECEVENT_JWT_TYPE;
 * ```
 */
export const SECEVENT_JWT_TYPE = 'secevent+jwt';

/**
 * Limits applied when encoding and decoding events.
 *
 * @example
 * ```ts
 * verifySecurityEvent(value, { ...options, maxBytes: EVENT_LIMITS.maxBytes * 2 });
 * ```
 */
export const EVENT_LIMITS = {
  /** Default `maxBytes` of a whole SET, checked before anything is parsed. */
  maxBytes: 16 * 1024,
  /** Max characters of `jti`, `kid`, `aud` entries and target values. */
  maxIdLength: 256,
  /** Max characters of `iss`. */
  maxIssuerLength: 2048,
  /** Max characters of a revocation `reason`. */
  maxReasonLength: 1024,
  /** Max entries of an `aud` array. */
  maxAudiences: 32,
} as const;

/**
 * True for a string of 1..{@link EVENT_LIMITS}.maxIdLength characters.
 *
 * @example
 * ```ts
 * isEventId('jti-1'); // true
 * ```
 */
export function isEventId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= EVENT_LIMITS.maxIdLength;
}

/**
 * True for a NumericDate in whole seconds (finite, safe, non-negative integer).
 *
 * @example
 * ```ts
 * isNumericDate(1_790_000_000); // true
 * isNumericDate(1.5); // false
 * ```
 */
export function isNumericDate(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * True for an optional revocation reason (undefined, or a string of at most maxReasonLength characters).
 *
 * @example
 * ```ts
 * isReason(undefined); // true
 * ```
 */
export function isReason(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === 'string' && value.length <= EVENT_LIMITS.maxReasonLength);
}

/**
 * True for an `aud` value: one id or a non-empty, bounded array of ids.
 *
 * @example
 * ```ts
 * isAudience(['orders-service', 'billing-service']); // true
 * ```
 */
export function isAudience(value: unknown): value is string | string[] {
  if (typeof value === 'string') return isEventId(value);
  return (
    Array.isArray(value) && value.length > 0 && value.length <= EVENT_LIMITS.maxAudiences && value.every(isEventId)
  );
}

/**
 * True for a JSON object (not null, not an array).
 *
 * @example
 * ```ts
 * isPlainObject({ kid: 'k1' }); // true
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
