import { describe, expect, it } from '@jest/globals';
import { CompactSign, generateKeyPair } from 'jose';
import { EVENT_TYPES } from './event-types.js';
import { EventVerificationError } from './event-verification.error.js';
import { encodeHeartbeatEvent } from './heartbeat-event.encoder.js';
import { parseHeartbeatEvent } from './heartbeat-event.parser.js';
import { HEARTBEAT_RECORD_KEY, type Heartbeat } from './heartbeat.js';
import type { EncodeEventOptions, EventSigner } from './security-event.encoder.js';
import { verifySecurityEvent, type VerifySecurityEventOptions } from './security-event.verifier.js';
import { TOPIC_EVENT_TYPES } from './topics.js';

const ISSUER = 'https://auth.example.test';
const NOW_MS = 1_790_000_000_789;
const NOW_S = 1_790_000_000;

const keys = await generateKeyPair('ES256', { extractable: true });
const signer: EventSigner = { kid: 'k1', alg: 'ES256', privateKey: keys.privateKey };
const beat: Heartbeat = { instance: 'instance-1', sequence: 41, intervalSeconds: 5 };

const verifyOptions: VerifySecurityEventOptions = {
  issuer: ISSUER,
  audience: 'billing-service',
  algorithms: ['ES256'],
  types: TOPIC_EVENT_TYPES.revocations,
  resolveKey: async () => keys.publicKey,
};
const encodeOptions: EncodeEventOptions = {
  issuer: ISSUER,
  audience: ['orders-service', 'billing-service'],
  signer,
  now: () => NOW_MS,
  id: 'evt-1',
};

const decode = async (jws: string) => parseHeartbeatEvent(await verifySecurityEvent(jws, verifyOptions));

/** A heartbeat SET signed as the auth service would, with any payload (for payloads it never writes). */
function signed(payload: Record<string, unknown>, type: string = EVENT_TYPES.heartbeat, iat = NOW_S): Promise<string> {
  const claims = { iss: ISSUER, iat, jti: 'evt-1', aud: 'billing-service', events: { [type]: payload } };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt' })
    .sign(keys.privateKey);
}

const payload = (overrides: Record<string, unknown> = {}) => ({
  instance: 'instance-1',
  sequence: 41,
  sent_at: NOW_S,
  interval_seconds: 5,
  ...overrides,
});

async function outcome(jws: Promise<string>): Promise<string> {
  try {
    await decode(await jws);
    return 'accepted';
  } catch (error) {
    return error instanceof EventVerificationError ? error.code : `not an EventVerificationError: ${String(error)}`;
  }
}

describe('heartbeat SET round trip', () => {
  it('travels as a SET of the heartbeat type, sent_at = iat, and decodes back', async () => {
    const jws = await encodeHeartbeatEvent(beat, encodeOptions);
    const claims = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString());
    expect(claims).toEqual({
      iss: ISSUER,
      iat: NOW_S,
      jti: 'evt-1',
      aud: ['orders-service', 'billing-service'],
      events: {
        'urn:auth-layer:secevent:heartbeat': {
          instance: 'instance-1',
          sequence: 41,
          sent_at: NOW_S,
          interval_seconds: 5,
        },
      },
    });
    await expect(decode(jws)).resolves.toEqual({ ...beat, eventId: 'evt-1', issuedAt: NOW_S });
  });

  it('reads the clock once, so sent_at and iat agree even across a second boundary', async () => {
    const readings = [NOW_S * 1000 + 999, NOW_S * 1000 + 1000];
    const jws = await encodeHeartbeatEvent(beat, { ...encodeOptions, now: () => readings.shift()! });
    await expect(decode(jws)).resolves.toMatchObject({ issuedAt: NOW_S });
  });

  it('is carried by the revocations topic only, under one record key', () => {
    expect(TOPIC_EVENT_TYPES.revocations.has(EVENT_TYPES.heartbeat)).toBe(true);
    expect(TOPIC_EVENT_TYPES.keys.has(EVENT_TYPES.heartbeat)).toBe(false);
    expect(HEARTBEAT_RECORD_KEY).toBe('heartbeat');
  });

  it.each([
    ['an empty instance', { instance: '' }],
    ['a negative sequence', { sequence: -1 }],
    ['a fractional sequence', { sequence: 1.5 }],
    ['a zero interval', { intervalSeconds: 0 }],
    ['an interval above an hour', { intervalSeconds: 3601 }],
  ])('refuses to encode %s with a TypeError', async (_name, overrides) => {
    await expect(encodeHeartbeatEvent({ ...beat, ...overrides }, encodeOptions)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('parseHeartbeatEvent', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['the first heartbeat of an instance', payload({ sequence: 0 }), NOW_S],
    ['a one-second interval', payload({ interval_seconds: 1 }), NOW_S],
    ['an hour interval', payload({ interval_seconds: 3600 }), NOW_S],
    ['an instance id of 256 characters', payload({ instance: 'i'.repeat(256) }), NOW_S],
    ['unknown extra members (RFC 8417 extensibility)', payload({ region: 'eu-1' }), NOW_S],
    ['an old heartbeat (age is the consumer’s question)', payload({ sent_at: 1 }), 1],
  ])('accepts %s', async (_name, body, iat) => {
    await expect(outcome(signed(body, EVENT_TYPES.heartbeat, iat))).resolves.toBe('accepted');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no instance', payload({ instance: undefined }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['an empty instance', payload({ instance: '' }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['an instance over 256 characters', payload({ instance: 'i'.repeat(257) }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a numeric instance', payload({ instance: 7 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['no sequence', payload({ sequence: undefined }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a negative sequence', payload({ sequence: -1 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a fractional sequence', payload({ sequence: 0.5 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a sequence above 2^53', payload({ sequence: 2 ** 60 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a string sequence', payload({ sequence: '41' }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['no sent_at', payload({ sent_at: undefined }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['sent_at after iat', payload({ sent_at: NOW_S + 1 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['sent_at before iat', payload({ sent_at: NOW_S - 1 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['sent_at in milliseconds', payload({ sent_at: NOW_MS }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['no interval', payload({ interval_seconds: undefined }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a zero interval', payload({ interval_seconds: 0 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['an interval above an hour', payload({ interval_seconds: 3601 }), 'ERR_EVENT_CLAIMS_INVALID'],
    ['a fractional interval', payload({ interval_seconds: 2.5 }), 'ERR_EVENT_CLAIMS_INVALID'],
  ])('refuses %s with %s', async (_name, body, code) => {
    await expect(outcome(signed(body))).resolves.toBe(code);
  });

  it('is never read on the keys topic: its type is not one that topic carries', async () => {
    const keysTopic = { ...verifyOptions, types: TOPIC_EVENT_TYPES.keys };
    await expect(verifySecurityEvent(await signed(payload()), keysTopic)).rejects.toMatchObject({
      code: 'ERR_EVENT_TYPE_UNKNOWN',
    });
  });

  it('refuses an event of another type handed to it', async () => {
    const revocation = await verifySecurityEvent(
      await signed(
        { subject: { format: 'opaque', id: 'a' }, target_type: 'jti', revoked_at: 1, expires_at: 2 },
        EVENT_TYPES.tokenRevoked,
      ),
      verifyOptions,
    );
    expect(() => parseHeartbeatEvent(revocation)).toThrow(expect.objectContaining({ code: 'ERR_EVENT_TYPE_UNKNOWN' }));
  });
});
