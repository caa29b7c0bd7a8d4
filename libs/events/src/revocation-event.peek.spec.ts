import { describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { encodeHeartbeatEvent } from './heartbeat-event.encoder.js';
import { encodeRevocationEvent } from './revocation-event.encoder.js';
import { peekRevocationExpiry } from './revocation-event.peek.js';
import type { EventSigner } from './security-event.encoder.js';

const { privateKey } = await generateKeyPair('ES256');
const signer: EventSigner = { kid: 'k1', alg: 'ES256', privateKey };
const options = { issuer: 'https://auth.example.test', audience: 'orders-service', signer };

describe('peekRevocationExpiry (unverified, only to skip)', () => {
  it('reads the expires_at a revocation event claims', async () => {
    const jws = await encodeRevocationEvent(
      { target: { type: 'sid', value: 's-1' }, revokedAt: 1_790_000_000, expiresAt: 1_790_000_300 },
      options,
    );
    expect(peekRevocationExpiry(jws)).toBe(1_790_000_300);
  });

  it.each([
    ['not a JWS', 'garbage'],
    ['a payload that is not JSON', 'e30.bm90IGpzb24.sig'],
    ['a JSON payload without events', `e30.${Buffer.from('{"iss":"x"}').toString('base64url')}.sig`],
  ])('answers undefined for %s', (_name, value) => {
    expect(peekRevocationExpiry(value)).toBeUndefined();
  });

  it('answers undefined for a heartbeat: it is always verified', async () => {
    const jws = await encodeHeartbeatEvent({ instance: 'i-1', sequence: 0, intervalSeconds: 5 }, options);
    expect(peekRevocationExpiry(jws)).toBeUndefined();
  });
});
