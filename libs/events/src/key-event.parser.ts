import { isAllowedEventAlgorithm } from './event-algorithms.js';
import { failEvent } from './event-verification.error.js';
import { isEventId, isNumericDate } from './security-event-token.js';
import type { VerifiedSecurityEvent } from './security-event.verifier.js';
import {
  isPublicJwk,
  KEY_EVENT_TYPES,
  SIGNING_KEY_STATES,
  type SigningKeyState,
  type VerifiedKeyEvent,
} from './signing-key.js';

/**
 * Reads a key state change out of a verified event: `kid`, an asymmetric `alg`, a state whose URI is the event's
 * type, a public JWK that names the same `kid` and `alg` when it names them, a NumericDate `at`. Throws
 * {@link EventVerificationError} (`ERR_EVENT_CLAIMS_INVALID`) for a bad payload.
 *
 * @example
 * ```ts
 * keySet.apply(parseKeyEvent(await verifySecurityEvent(record.value, options)));
 * ```
 */
export function parseKeyEvent(event: VerifiedSecurityEvent): VerifiedKeyEvent {
  const { kid, alg, state, jwk, at } = event.payload;
  if (!isEventId(kid)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "kid"');
  if (typeof alg !== 'string' || !isAllowedEventAlgorithm(alg)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "alg"');
  if (!isKeyState(state) || KEY_EVENT_TYPES[state] !== event.type) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', '"state" does not match the event type');
  }
  if (!isPublicJwk(jwk)) failEvent('ERR_EVENT_CLAIMS_INVALID', '"jwk" is not a public JWK');
  if ((jwk.kid !== undefined && jwk.kid !== kid) || (jwk.alg !== undefined && jwk.alg !== alg)) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', '"jwk" names another kid or alg');
  }
  if (!isNumericDate(at)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "at"');
  return { kid, alg, state, jwk, at, eventId: event.eventId, issuedAt: event.issuedAt };
}

function isKeyState(value: unknown): value is SigningKeyState {
  return SIGNING_KEY_STATES.includes(value as SigningKeyState);
}
