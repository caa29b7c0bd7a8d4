import { describe, expect, it, jest } from '@jest/globals';
import { CompactSign, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { respellSignature } from '../../../test/support/crafted-tokens.js';
import { EVENT_TYPES } from './event-types.js';
import { EventVerificationError, type EventVerificationErrorCode } from './event-verification.error.js';
import { encodeRevocationEvent } from './revocation-event.encoder.js';
import { parseRevocationEvent } from './revocation-event.parser.js';
import type { EventSigner } from './security-event.encoder.js';
import { verifySecurityEvent, type VerifySecurityEventOptions } from './security-event.verifier.js';
import { TOPIC_EVENT_TYPES } from './topics.js';
import {
  REVOCATION_EVENT_TARGETS,
  REVOCATION_EVENT_TYPES,
  revocationEventType,
  revocationRecordKey,
  type Revocation,
} from './revocation.js';

const ISSUER = 'http://127.0.0.1:3000';
const NOW_MS = 1_790_000_000_123;
const NOW_S = 1_790_000_000;

const keys = await generateKeyPair('ES256', { extractable: true });
const otherKeys = await generateKeyPair('ES256');
const signer: EventSigner = { kid: 'k1', alg: 'ES256', privateKey: keys.privateKey };

const revocation: Revocation = {
  target: { type: 'sid', value: 'session-1' },
  revokedAt: NOW_S,
  expiresAt: NOW_S + 300,
  reason: 'logout',
};

function decodeOptions(overrides: Partial<VerifySecurityEventOptions> = {}): VerifySecurityEventOptions {
  return {
    issuer: ISSUER,
    audience: 'orders-service',
    algorithms: ['ES256'],
    types: TOPIC_EVENT_TYPES.revocations,
    resolveKey: async () => keys.publicKey,
    ...overrides,
  };
}

/** The consumer's two layers: the generic SET check, then the revocation payload parser. */
async function decodeRevocationEvent(jws: string, options: VerifySecurityEventOptions) {
  return parseRevocationEvent(await verifySecurityEvent(jws, options));
}

function encode(value: Revocation = revocation, id = 'evt-1'): Promise<string> {
  return encodeRevocationEvent(value, {
    issuer: ISSUER,
    audience: ['orders-service', 'billing-service'],
    signer,
    now: () => NOW_MS,
    id,
  });
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: Record<string, unknown> = {}, event: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    iat: NOW_S,
    jti: 'evt-1',
    aud: 'orders-service',
    events: {
      [EVENT_TYPES.sessionRevoked]: {
        subject: { format: 'opaque', id: 'session-1' },
        target_type: 'sid',
        revoked_at: NOW_S,
        expires_at: NOW_S + 300,
        ...event,
      },
    },
    ...overrides,
  };
}

function sign(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: CryptoKey | Uint8Array = keys.privateKey,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'secevent+jwt', ...header })
    .sign(key);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof EventVerificationError ? error.code : `not an EventVerificationError: ${String(error)}`;
  }
  return 'accepted';
}

describe('revocation SET round trip', () => {
  it.each([
    ['jti', EVENT_TYPES.tokenRevoked],
    ['sid', EVENT_TYPES.sessionRevoked],
    ['sub', EVENT_TYPES.subjectRevoked],
    ['client', EVENT_TYPES.clientRevoked],
    ['kid', EVENT_TYPES.keyRevoked],
  ] as const)('%s revocation travels under %s and decodes back', async (type, uri) => {
    const input: Revocation = { ...revocation, target: { type, value: `${type}-value` } };
    const jws = await encode(input);

    const [headerPart, payloadPart] = jws.split('.');
    expect(JSON.parse(Buffer.from(headerPart, 'base64url').toString())).toEqual({
      alg: 'ES256',
      kid: 'k1',
      typ: 'secevent+jwt',
    });
    const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString());
    expect(payload).toEqual({
      iss: ISSUER,
      iat: NOW_S,
      jti: 'evt-1',
      aud: ['orders-service', 'billing-service'],
      events: {
        [uri]: {
          subject: { format: 'opaque', id: `${type}-value` },
          target_type: type,
          revoked_at: NOW_S,
          expires_at: NOW_S + 300,
          reason: 'logout',
        },
      },
    });

    await expect(decodeRevocationEvent(jws, decodeOptions())).resolves.toEqual({
      ...input,
      eventId: 'evt-1',
      issuedAt: NOW_S,
    });
  });

  it.each([EVENT_TYPES.credentialChange, EVENT_TYPES.tokenClaimsChange, EVENT_TYPES.subjectRevoked] as const)(
    'a sub cut-off travels under %s when asked and decodes back as a sub cut-off of that type',
    async (uri) => {
      const input: Revocation = { ...revocation, target: { type: 'sub', value: 'user-1' }, eventType: uri };
      const jws = await encode(input);
      const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString());
      expect(Object.keys(payload.events)).toEqual([uri]);
      expect(payload.events[uri]).toMatchObject({ subject: { format: 'opaque', id: 'user-1' }, target_type: 'sub' });
      const decoded = await decodeRevocationEvent(jws, decodeOptions());
      // The default URI of the target type decodes without eventType (absent = the default), the CAEP ones with it.
      const expected = uri === EVENT_TYPES.subjectRevoked ? { ...revocation, target: input.target } : input;
      expect(decoded).toEqual({ ...expected, eventId: 'evt-1', issuedAt: NOW_S });
      expect(revocationEventType(decoded)).toBe(uri);
    },
  );

  it('carries both CAEP change types on the revocations topic, and only as sub cut-offs', () => {
    expect(TOPIC_EVENT_TYPES.revocations.has(EVENT_TYPES.credentialChange)).toBe(true);
    expect(TOPIC_EVENT_TYPES.revocations.has(EVENT_TYPES.tokenClaimsChange)).toBe(true);
    expect(TOPIC_EVENT_TYPES.keys.has(EVENT_TYPES.credentialChange)).toBe(false);
    expect(
      Object.entries(REVOCATION_EVENT_TARGETS)
        .filter(([, target]) => target === 'sub')
        .map(([uri]) => uri),
    ).toEqual([EVENT_TYPES.subjectRevoked, EVENT_TYPES.credentialChange, EVENT_TYPES.tokenClaimsChange]);
  });

  it('hands kid and alg to resolveKey', async () => {
    const resolveKey = jest.fn(async (_header: { kid: string; alg: string }) => keys.publicKey);
    await decodeRevocationEvent(await encode(), decodeOptions({ resolveKey }));
    expect(resolveKey).toHaveBeenCalledWith({ kid: 'k1', alg: 'ES256' });
  });

  it('omits reason when absent and uses a random jti by default', async () => {
    const { reason: _reason, ...withoutReason } = revocation;
    const first = await encodeRevocationEvent(withoutReason, { issuer: ISSUER, audience: 'orders-service', signer });
    const second = await encodeRevocationEvent(withoutReason, { issuer: ISSUER, audience: 'orders-service', signer });
    const a = await decodeRevocationEvent(first, decodeOptions());
    const b = await decodeRevocationEvent(second, decodeOptions());
    expect(a).not.toHaveProperty('reason');
    expect(a.eventId).not.toBe(b.eventId);
  });

  it.each([
    ['an already expired revocation (pruning is the consumer’s job)', claims({}, { expires_at: 1, revoked_at: 0 })],
    ['unknown extra claims and event members', claims({ txn: 'x', toe: NOW_S }, { extra: true })],
    ['no audience option given and a string aud', claims({ aud: 'billing-service' })],
  ])('accepts %s', async (_name, payload) => {
    const options = decodeOptions({ audience: payload.aud === 'billing-service' ? undefined : 'orders-service' });
    await expect(codeOf(decodeRevocationEvent(await sign(payload), options))).resolves.toBe('accepted');
  });

  it('accepts an event naming one of several audiences of the service, refuses one naming none', async () => {
    const event = await sign(claims({ aud: 'billing-service' }));
    const accepted = decodeOptions({ audience: ['orders-service', 'billing-service'] });
    await expect(codeOf(decodeRevocationEvent(event, accepted))).resolves.toBe('accepted');
    const refused = decodeOptions({ audience: ['orders-service', 'items-api'] });
    await expect(codeOf(decodeRevocationEvent(event, refused))).resolves.toBe('ERR_EVENT_CLAIMS_INVALID');
  });

  it('builds the record key from the target', () => {
    expect(revocationRecordKey({ type: 'client', value: 'c-1' })).toBe('client:c-1');
  });
});

describe('the generic check and the revocation parser reject', () => {
  const hs256WithPublicKey = async (): Promise<string> => {
    const secret = new TextEncoder().encode(await exportSPKI(keys.publicKey));
    return sign(claims(), { alg: 'HS256' }, secret);
  };
  const none = (): string => `${b64({ alg: 'none', kid: 'k1', typ: 'secevent+jwt' })}.${b64(claims())}.`;
  const tampered = async (): Promise<string> => {
    const [h, , s] = (await encode()).split('.');
    return `${h}.${b64(claims({ iat: NOW_S + 1 }))}.${s}`;
  };
  const twoEvents = claims({
    events: {
      [EVENT_TYPES.tokenRevoked]: {
        subject: { format: 'opaque', id: 'a' },
        target_type: 'jti',
        revoked_at: 1,
        expires_at: 2,
      },
      [EVENT_TYPES.sessionRevoked]: {
        subject: { format: 'opaque', id: 'b' },
        target_type: 'sid',
        revoked_at: 1,
        expires_at: 2,
      },
    },
  });
  const subjectChange = { subject: { format: 'opaque', id: 'user-1' }, revoked_at: 1, expires_at: 2 };
  const otherEvent = (uri: string): Record<string, unknown> =>
    claims({
      events: { [uri]: { subject: { format: 'opaque', id: 'a' }, target_type: 'jti', revoked_at: 1, expires_at: 2 } },
    });

  const cases: [
    string,
    () => Promise<string> | string,
    EventVerificationErrorCode,
    Partial<VerifySecurityEventOptions>?,
  ][] = [
    ['typ at+jwt', () => sign(claims(), { typ: 'at+jwt' }), 'ERR_EVENT_MALFORMED'],
    ['typ JWT', () => sign(claims(), { typ: 'JWT' }), 'ERR_EVENT_MALFORMED'],
    ['no typ', () => sign(claims(), { typ: undefined }), 'ERR_EVENT_MALFORMED'],
    ['alg none', none, 'ERR_EVENT_SIGNATURE_INVALID'],
    ['HS256 signed with the public key bytes', hs256WithPublicKey, 'ERR_EVENT_SIGNATURE_INVALID'],
    ['alg not in the allow-list', () => encode(), 'ERR_EVENT_SIGNATURE_INVALID', { algorithms: ['EdDSA'] }],
    ['signature by another key', () => sign(claims(), {}, otherKeys.privateKey), 'ERR_EVENT_SIGNATURE_INVALID'],
    ['tampered payload', tampered, 'ERR_EVENT_SIGNATURE_INVALID'],
    ['a respelled signature (same bytes)', async () => respellSignature(await encode()), 'ERR_EVENT_MALFORMED'],
    ['wrong iss', () => sign(claims({ iss: 'http://evil' })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['wrong aud', () => sign(claims({ aud: 'billing-service' })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['aud missing', () => sign(claims({ aud: undefined })), 'ERR_EVENT_CLAIMS_INVALID', { audience: undefined }],
    ['aud empty array', () => sign(claims({ aud: [] })), 'ERR_EVENT_CLAIMS_INVALID', { audience: undefined }],
    ['iat not an integer', () => sign(claims({ iat: 1.5 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['iat a string', () => sign(claims({ iat: String(NOW_S) })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['jti missing', () => sign(claims({ jti: undefined })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['jti longer than 256', () => sign(claims({ jti: 'x'.repeat(257) })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['events missing', () => sign(claims({ events: undefined })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['events an array', () => sign(claims({ events: [] })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['zero events', () => sign(claims({ events: {} })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['two events', () => sign(twoEvents), 'ERR_EVENT_CLAIMS_INVALID'],
    ['unknown event type', () => sign(otherEvent('urn:example:other')), 'ERR_EVENT_TYPE_UNKNOWN'],
    ['a key lifecycle event', () => sign(otherEvent(EVENT_TYPES.keyPublished)), 'ERR_EVENT_TYPE_UNKNOWN'],
    ['target_type not matching the URI', () => sign(claims({}, { target_type: 'jti' })), 'ERR_EVENT_CLAIMS_INVALID'],
    ...[EVENT_TYPES.credentialChange, EVENT_TYPES.tokenClaimsChange].flatMap((uri) =>
      (['jti', 'sid', 'client', 'kid'] as const).map(
        (targetType): [string, () => Promise<string>, EventVerificationErrorCode] => [
          `${uri} carrying a ${targetType} target`,
          () => sign(claims({ events: { [uri]: { ...subjectChange, target_type: targetType } } })),
          'ERR_EVENT_CLAIMS_INVALID',
        ],
      ),
    ),
    ['unknown target_type', () => sign(claims({}, { target_type: 'user' })), 'ERR_EVENT_CLAIMS_INVALID'],
    [
      'subject not opaque',
      () => sign(claims({}, { subject: { format: 'email', id: 'a' } })),
      'ERR_EVENT_CLAIMS_INVALID',
    ],
    ['subject id empty', () => sign(claims({}, { subject: { format: 'opaque', id: '' } })), 'ERR_EVENT_CLAIMS_INVALID'],
    [
      'subject id > 256',
      () => sign(claims({}, { subject: { format: 'opaque', id: 'x'.repeat(257) } })),
      'ERR_EVENT_CLAIMS_INVALID',
    ],
    ['revoked_at fractional', () => sign(claims({}, { revoked_at: NOW_S + 0.5 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['revoked_at negative', () => sign(claims({}, { revoked_at: -1 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['expires_at a string', () => sign(claims({}, { expires_at: 'later' })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['expires_at above 2^53', () => sign(claims({}, { expires_at: 2 ** 60 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['expires_at before revoked_at', () => sign(claims({}, { expires_at: NOW_S - 1 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['reason not a string', () => sign(claims({}, { reason: 42 })), 'ERR_EVENT_CLAIMS_INVALID'],
    ['reason > 1024', () => sign(claims({}, { reason: 'r'.repeat(1025) })), 'ERR_EVENT_CLAIMS_INVALID'],
    [
      'payload a JSON array',
      () =>
        new CompactSign(new TextEncoder().encode('[]'))
          .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt' })
          .sign(keys.privateKey),
      'ERR_EVENT_MALFORMED',
    ],
    [
      'payload not JSON',
      () =>
        new CompactSign(new TextEncoder().encode('{nope'))
          .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt' })
          .sign(keys.privateKey),
      'ERR_EVENT_MALFORMED',
    ],
    ['oversize (> 16 KiB) before any parsing', () => `${'a'.repeat(16 * 1024)}.b.c`, 'ERR_EVENT_MALFORMED'],
    ['over a custom maxBytes', () => encode(), 'ERR_EVENT_MALFORMED', { maxBytes: 100 }],
    ['empty string', () => '', 'ERR_EVENT_MALFORMED'],
    ['not a JWS', () => 'hello', 'ERR_EVENT_MALFORMED'],
    ['JWE-shaped (5 parts)', () => 'a.b.c.d.e', 'ERR_EVENT_MALFORMED'],
    ['kid not a string', () => sign(claims(), { kid: 7 }), 'ERR_EVENT_MALFORMED'],
    ['no kid', () => sign(claims(), { kid: undefined }), 'ERR_EVENT_MALFORMED'],
    ['a type the topic does not carry', () => encode(), 'ERR_EVENT_TYPE_UNKNOWN', { types: TOPIC_EVENT_TYPES.keys }],
  ];

  it.each(cases)('%s', async (_name, make, code, overrides = {}) => {
    const jws = await make();
    await expect(codeOf(decodeRevocationEvent(jws, decodeOptions(overrides)))).resolves.toBe(code);
  });

  it('keeps the jose error as cause', async () => {
    const error = await decodeRevocationEvent(await tampered(), decodeOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventVerificationError);
    expect((error as EventVerificationError).cause).toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('does not ask for a key when the algorithm is refused', async () => {
    const resolveKey = jest.fn(async () => keys.publicKey);
    await expect(codeOf(decodeRevocationEvent(none(), decodeOptions({ resolveKey })))).resolves.toBe(
      'ERR_EVENT_SIGNATURE_INVALID',
    );
    await expect(
      codeOf(decodeRevocationEvent(await hs256WithPublicKey(), decodeOptions({ resolveKey }))),
    ).resolves.toBe('ERR_EVENT_SIGNATURE_INVALID');
    expect(resolveKey).not.toHaveBeenCalled();
  });

  it('propagates what resolveKey throws unchanged', async () => {
    const failure = Object.assign(new Error('JWKS unreachable'), { code: 'ERR_JWKS_TIMEOUT' });
    const resolveKey = async (): Promise<never> => {
      throw failure;
    };
    await expect(decodeRevocationEvent(await encode(), decodeOptions({ resolveKey }))).rejects.toBe(failure);
  });

  it('maps a key that does not fit the algorithm to a signature error', async () => {
    const rsa = await generateKeyPair('RS256');
    const code = await codeOf(
      decodeRevocationEvent(await encode(), decodeOptions({ resolveKey: async () => rsa.publicKey })),
    );
    expect(code).toBe('ERR_EVENT_SIGNATURE_INVALID');
  });
});

describe('options are checked with TypeError', () => {
  it.each([
    ['none', { algorithms: ['none'] }],
    ['HS256', { algorithms: ['ES256', 'HS256'] }],
    ['empty allow-list', { algorithms: [] }],
    ['no issuer', { issuer: '' }],
    ['bad maxBytes', { maxBytes: 0 }],
    ['no event types', { types: new Set<string>() }],
  ] as [string, Partial<VerifySecurityEventOptions>][])('decode with %s', async (_name, overrides) => {
    await expect(decodeRevocationEvent(await encode(), decodeOptions(overrides))).rejects.toBeInstanceOf(TypeError);
  });

  it.each([
    ['HS256 signer', { ...revocation }, { ...signer, alg: 'HS256' }],
    ['expiresAt < revokedAt', { ...revocation, expiresAt: NOW_S - 1 }, signer],
    ['fractional revokedAt', { ...revocation, revokedAt: 1.5 }, signer],
    ['empty target value', { ...revocation, target: { type: 'jti', value: '' } }, signer],
    ['unknown target type', { ...revocation, target: { type: 'user', value: 'x' } }, signer],
    ['a CAEP change type for a sid target', { ...revocation, eventType: EVENT_TYPES.credentialChange }, signer],
    [
      'a sub event type for a client target',
      { ...revocation, target: { type: 'client', value: 'c' }, eventType: EVENT_TYPES.tokenClaimsChange },
      signer,
    ],
    ['an unknown event type', { ...revocation, eventType: 'urn:example:other' }, signer],
  ] as [string, Revocation, EventSigner][])('encode with %s', async (_name, input, badSigner) => {
    await expect(
      encodeRevocationEvent(input, { issuer: ISSUER, audience: 'orders-service', signer: badSigner }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('maps every target type to its event type', () => {
    expect(REVOCATION_EVENT_TYPES).toEqual({
      jti: 'urn:auth-layer:secevent:token-revoked',
      sid: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
      sub: 'urn:auth-layer:secevent:subject-revoked',
      client: 'urn:auth-layer:secevent:client-revoked',
      kid: 'urn:auth-layer:secevent:key-revoked',
    });
  });
});
