import { describe, expect, it } from '@jest/globals';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { EVENT_TYPES } from './event-types.js';
import { EventVerificationError } from './event-verification.error.js';
import { encodeKeyEvent } from './key-event.encoder.js';
import { parseKeyEvent } from './key-event.parser.js';
import type { EventSigner } from './security-event.encoder.js';
import { verifySecurityEvent, type VerifySecurityEventOptions } from './security-event.verifier.js';
import { KEY_EVENT_TYPES, type KeyLifecycleEvent, type SigningKeyState } from './signing-key.js';
import { TOPIC_EVENT_TYPES } from './topics.js';

const ISSUER = 'https://auth.example.test';
const NOW_S = 1_790_000_000;

const signingKeys = await generateKeyPair('ES256', { extractable: true });
const signer: EventSigner = { kid: 'signer', alg: 'ES256', privateKey: signingKeys.privateKey };
const announced = await generateKeyPair('ES256', { extractable: true });
const publicJwk = await exportJWK(announced.publicKey);
const privateJwk = await exportJWK(announced.privateKey);

const options: VerifySecurityEventOptions = {
  issuer: ISSUER,
  audience: 'orders-service',
  algorithms: ['ES256'],
  types: TOPIC_EVENT_TYPES.keys,
  resolveKey: async () => signingKeys.publicKey,
};

const keyEvent = (state: SigningKeyState): KeyLifecycleEvent => ({
  kid: 'k-next',
  alg: 'ES256',
  state,
  jwk: publicJwk,
  at: NOW_S,
});

const decode = async (jws: string) => parseKeyEvent(await verifySecurityEvent(jws, options));

/** A key event signed as the auth service would, with any type URI and payload (for payloads it never writes). */
function signed(type: string, payload: Record<string, unknown>): Promise<string> {
  const claims = { iss: ISSUER, iat: NOW_S, jti: 'evt-1', aud: 'orders-service', events: { [type]: payload } };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', kid: 'signer', typ: 'secevent+jwt' })
    .sign(signingKeys.privateKey);
}

const payload = (overrides: Record<string, unknown> = {}) => ({
  kid: 'k-next',
  alg: 'ES256',
  state: 'next',
  jwk: publicJwk,
  at: NOW_S,
  ...overrides,
});

describe('key lifecycle SET round trip', () => {
  it.each([
    ['next', EVENT_TYPES.keyPublished],
    ['current', EVENT_TYPES.keyActivated],
    ['previous', EVENT_TYPES.keyRetired],
    ['retired', EVENT_TYPES.keyRetired],
    ['revoked', EVENT_TYPES.keyRevoked],
  ] as const)('state %s travels under %s and decodes back', async (state, uri) => {
    const jws = await encodeKeyEvent(keyEvent(state), {
      issuer: ISSUER,
      audience: 'orders-service',
      signer,
      id: 'evt-1',
      now: () => NOW_S * 1000,
    });
    const event = await verifySecurityEvent(jws, options);
    expect(event.type).toBe(uri);
    expect(event.kid).toBe('signer');
    expect(parseKeyEvent(event)).toEqual({
      ...keyEvent(state),
      jwk: { ...publicJwk, kid: 'k-next', alg: 'ES256' },
      eventId: 'evt-1',
      issuedAt: NOW_S,
    });
  });

  it('refuses to encode a private or symmetric key, whatever the caller passes', async () => {
    const encodeOptions = { issuer: ISSUER, audience: 'orders-service', signer };
    await expect(encodeKeyEvent({ ...keyEvent('next'), jwk: privateJwk }, encodeOptions)).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      encodeKeyEvent({ ...keyEvent('next'), jwk: { kty: 'oct', k: 'c2VjcmV0' } }, encodeOptions),
    ).rejects.toBeInstanceOf(TypeError);
    await expect(encodeKeyEvent({ ...keyEvent('next'), alg: 'HS256' }, encodeOptions)).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});

describe('parseKeyEvent rejects', () => {
  it.each([
    ['a state that does not match the URI', EVENT_TYPES.keyPublished, payload({ state: 'current' })],
    ['an unknown state', EVENT_TYPES.keyPublished, payload({ state: 'draft' })],
    ['a private JWK', EVENT_TYPES.keyPublished, payload({ jwk: privateJwk })],
    ['a symmetric JWK', EVENT_TYPES.keyPublished, payload({ jwk: { kty: 'oct', k: 'c2VjcmV0' } })],
    ['a JWK that is not an object', EVENT_TYPES.keyPublished, payload({ jwk: 'key' })],
    ['a JWK naming another kid', EVENT_TYPES.keyPublished, payload({ jwk: { ...publicJwk, kid: 'other' } })],
    ['a JWK naming another alg', EVENT_TYPES.keyPublished, payload({ jwk: { ...publicJwk, alg: 'ES384' } })],
    ['alg none', EVENT_TYPES.keyPublished, payload({ alg: 'none' })],
    ['an HMAC alg', EVENT_TYPES.keyPublished, payload({ alg: 'HS256' })],
    ['no kid', EVENT_TYPES.keyPublished, payload({ kid: undefined })],
    ['a kid over 256 characters', EVENT_TYPES.keyPublished, payload({ kid: 'k'.repeat(257) })],
    ['a fractional at', EVENT_TYPES.keyPublished, payload({ at: NOW_S + 0.5 })],
    ['at missing', EVENT_TYPES.keyPublished, payload({ at: undefined })],
    ['previous announced as activated', EVENT_TYPES.keyActivated, payload({ state: 'previous' })],
  ])('%s', async (_name, type, body) => {
    const error = await decode(await signed(type, body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventVerificationError);
    expect(error).toMatchObject({ code: 'ERR_EVENT_CLAIMS_INVALID' });
  });

  it('never sees a revocation on the keys topic: its type is not one the topic carries', async () => {
    const revocation = await signed(EVENT_TYPES.tokenRevoked, payload());
    await expect(decode(revocation)).rejects.toMatchObject({ code: 'ERR_EVENT_TYPE_UNKNOWN' });
  });

  it('maps every state to its event type', () => {
    expect(KEY_EVENT_TYPES).toEqual({
      next: 'urn:auth-layer:secevent:key-published',
      current: 'urn:auth-layer:secevent:key-activated',
      previous: 'urn:auth-layer:secevent:key-retired',
      retired: 'urn:auth-layer:secevent:key-retired',
      revoked: 'urn:auth-layer:secevent:key-revoked',
    });
  });
});
