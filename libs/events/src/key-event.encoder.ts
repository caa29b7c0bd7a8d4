import { assertEventAlgorithm } from './event-algorithms.js';
import { isEventId, isNumericDate } from './security-event-token.js';
import { encodeSecurityEvent, type EncodeEventOptions } from './security-event.encoder.js';
import { isPublicJwk, KEY_EVENT_TYPES, SIGNING_KEY_STATES, type KeyLifecycleEvent } from './signing-key.js';

/**
 * Signs a key state change as a Security Event Token whose one event has the type URI of its state
 * ({@link KEY_EVENT_TYPES}) and the payload `{ kid, alg, state, jwk, at }`. Throws a `TypeError` for an invalid
 * event (a private JWK above all) or options.
 *
 * @example
 * ```ts
 * const value = await encodeKeyEvent({ kid, alg: 'ES256', state: 'next', jwk: publicJwk, at: nowS }, options);
 * await enqueueOutboxRecord(tx, { topic: TOPICS.keys, key: kid, value });
 * ```
 */
export async function encodeKeyEvent(event: KeyLifecycleEvent, options: EncodeEventOptions): Promise<string> {
  const { kid, alg, state, jwk, at } = event ?? {};
  if (!isEventId(kid)) throw new TypeError('"event.kid" must be a string of 1..256 characters');
  assertEventAlgorithm(alg, 'event.alg');
  if (!SIGNING_KEY_STATES.includes(state)) throw new TypeError('"event.state" is not a key state');
  if (!isPublicJwk(jwk)) throw new TypeError('"event.jwk" must be a public JWK');
  if (!isNumericDate(at)) throw new TypeError('"event.at" must be a NumericDate (integer s)');
  return encodeSecurityEvent(KEY_EVENT_TYPES[state], { kid, alg, state, jwk: { ...jwk, kid, alg }, at }, options);
}
