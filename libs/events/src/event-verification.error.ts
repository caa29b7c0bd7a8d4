/**
 * Stable codes of {@link EventVerificationError}:
 * - `ERR_EVENT_MALFORMED`: not a compact JWS, oversize, bad JSON, or a header that is not a SET's (`typ`).
 * - `ERR_EVENT_SIGNATURE_INVALID`: algorithm not allowed, key/algorithm mismatch, or the signature does not verify.
 * - `ERR_EVENT_CLAIMS_INVALID`: wrong `iss`/`aud`, missing or mistyped claims, bad event payload.
 * - `ERR_EVENT_TYPE_UNKNOWN`: the single event's type URI is not one the topic carries.
 *
 * @example
 * ```ts
 * const code: EventVerificationErrorCode = 'ERR_EVENT_MALFORMED';
 * ```
 */
export type EventVerificationErrorCode =
  'ERR_EVENT_MALFORMED' | 'ERR_EVENT_SIGNATURE_INVALID' | 'ERR_EVENT_CLAIMS_INVALID' | 'ERR_EVENT_TYPE_UNKNOWN';

/**
 * Thrown by {@link verifySecurityEvent} and the per-type parsers when the event itself is at fault: drop it, log it, count it; never retry.
 *
 * @example
 * ```ts
 * try {
 *   index.apply(parseRevocationEvent(await verifySecurityEvent(value, options)));
 * } catch (error) {
 *   if (error instanceof EventVerificationError) metrics.rejected(error.code);
 *   else throw error; // e.g. JWKS unreachable: transient, let the reader retry
 * }
 * ```
 */
export class EventVerificationError extends Error {
  override readonly name = 'EventVerificationError';

  constructor(
    readonly code: EventVerificationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Throws the {@link EventVerificationError} of `code`, keeping `cause` (the jose error) when there is one.
 *
 * @example
 * ```ts
 * if (!isEventId(payload.kid)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "kid"');
 * ```
 */
export function failEvent(code: EventVerificationErrorCode, message: string, cause?: unknown): never {
  throw new EventVerificationError(code, message, cause === undefined ? undefined : { cause });
}
