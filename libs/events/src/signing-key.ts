import type { JWK } from 'jose';
import { EVENT_TYPES } from './event-types.js';
import { isPlainObject } from './security-event-token.js';

/**
 * Lifecycle states of a signing key: `next` (published, not signing yet) → `current` (signs) → `previous`
 * (published until every token it signed has expired) → `retired`; `revoked` from any state.
 *
 * @example
 * ```ts
 * const state: SigningKeyState = 'next';
 * ```
 */
export type SigningKeyState = 'next' | 'current' | 'previous' | 'retired' | 'revoked';

/**
 * Every {@link SigningKeyState}, in lifecycle order.
 *
 * @example
 * ```ts
 * SIGNING_KEY_STATES.includes(value as SigningKeyState);
 * ```
 */
export const SIGNING_KEY_STATES: readonly SigningKeyState[] = ['next', 'current', 'previous', 'retired', 'revoked'];

/**
 * The states whose public key is published in the JWKS and trusted by verifiers.
 *
 * @example
 * ```ts
 * if (PUBLISHED_KEY_STATES.includes(event.state)) keySet.add(event);
 * ```
 */
export const PUBLISHED_KEY_STATES: readonly SigningKeyState[] = ['next', 'current', 'previous'];

/**
 * The event type URI that announces each state (DESIGN "Kafka"): `previous` and `retired` both travel as
 * key-retired, told apart by `state`.
 *
 * @example
 * ```ts
 * KEY_EVENT_TYPES.current; // urn:auth-layer:secevent:key-activated
 * ```
 */
export const KEY_EVENT_TYPES = {
  next: EVENT_TYPES.keyPublished,
  current: EVENT_TYPES.keyActivated,
  previous: EVENT_TYPES.keyRetired,
  retired: EVENT_TYPES.keyRetired,
  revoked: EVENT_TYPES.keyRevoked,
} as const satisfies Record<SigningKeyState, string>;

/**
 * One state change of a signing key, as published on the keys topic (record key = `kid`; the latest record per
 * `kid` is that key's state).
 *
 * @example
 * ```ts
 * const event: KeyLifecycleEvent = { kid, alg: 'ES256', state: 'next', jwk: publicJwk, at: nowS };
 * ```
 */
export interface KeyLifecycleEvent {
  /** RFC 7638 thumbprint of `jwk`. */
  kid: string;
  alg: string;
  state: SigningKeyState;
  /** The public key only. */
  jwk: JWK;
  /** NumericDate (s) of the state change. */
  at: number;
}

/**
 * A {@link KeyLifecycleEvent} read back from a verified SET, with the SET's `jti` and `iat`.
 *
 * @example
 * ```ts
 * const event: VerifiedKeyEvent = parseKeyEvent(await verifySecurityEvent(record.value, options));
 * ```
 */
export type VerifiedKeyEvent = KeyLifecycleEvent & { eventId: string; issuedAt: number };

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;

/**
 * True for a public asymmetric JWK: an object with a `kty` other than `oct` and none of the private members.
 * Key sets and event parsers use it so a private or symmetric key is never taken for a verification key.
 *
 * @example
 * ```ts
 * isPublicJwk({ kty: 'EC', crv: 'P-256', x, y }); // true
 * isPublicJwk({ kty: 'EC', crv: 'P-256', x, y, d }); // false
 * ```
 */
export function isPublicJwk(value: unknown): value is JWK {
  return (
    isPlainObject(value) &&
    typeof value.kty === 'string' &&
    value.kty !== 'oct' &&
    PRIVATE_JWK_MEMBERS.every((member) => value[member] === undefined)
  );
}
