import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, type CryptoKey, type KeyObject } from 'jose';
import { signJson } from '../../../test/support/crafted-tokens.js';
import { mutatedJws } from '../../../test/support/jws-mutations.js';
import { EVENT_TYPES } from './event-types.js';
import { EventVerificationError } from './event-verification.error.js';
import { encodeKeyEvent } from './key-event.encoder.js';
import { parseKeyEvent } from './key-event.parser.js';
import { REVOCATION_TARGET_TYPES, type VerifiedRevocation } from './revocation.js';
import { encodeRevocationEvent } from './revocation-event.encoder.js';
import { parseRevocationEvent } from './revocation-event.parser.js';
import type { EncodeEventOptions } from './security-event.encoder.js';
import { verifySecurityEvent, type VerifySecurityEventOptions } from './security-event.verifier.js';
import { isPublicJwk, SIGNING_KEY_STATES, type VerifiedKeyEvent } from './signing-key.js';
import { TOPIC_EVENT_TYPES } from './topics.js';

/**
 * Property tests of the consumer's two layers, the generic Security Event Token check and the per-type parsers
 * (fast-check, fixed seeds, bounded runs): a valid event damaged in any way is never accepted, and whatever a
 * signed event holds, the answer is the parsed event, an EventVerificationError, or the key resolver's own error.
 */

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'orders-service';
const NOW_S = 1_790_000_000;
const RUNS = { numRuns: 300 } as const;

/** What the resolver throws for a kid or alg it has no key for: it must reach the caller unchanged. */
class NoSuchKeyError extends Error {
  override readonly name = 'NoSuchKeyError';
}

/** The two pipelines of a resource server: each topic's types, then that topic's parser. */
const TOPICS = {
  revocations: { types: TOPIC_EVENT_TYPES.revocations, parse: parseRevocationEvent },
  keys: { types: TOPIC_EVENT_TYPES.keys, parse: parseKeyEvent },
} as const;
type Topic = keyof typeof TOPICS;

let signingKey: CryptoKey;
let keys: Record<string, CryptoKey | KeyObject>;
/** Valid events per topic, signed by two trusted keys (so splices can mix keys). */
let valid: Record<Topic, string[]>;

function options(topic: Topic): VerifySecurityEventOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    types: TOPICS[topic].types,
    resolveKey: async ({ kid, alg }) => {
      const key = keys[kid];
      if (key === undefined || alg !== 'ES256') throw new NoSuchKeyError(`no key ${kid} for ${alg}`);
      return key;
    },
  };
}

/** The outcome on one topic: the parsed event, or the error it was refused with. */
async function outcomeOf(
  topic: Topic,
  jws: string,
): Promise<{ parsed: VerifiedRevocation | VerifiedKeyEvent } | { error: unknown }> {
  try {
    return { parsed: TOPICS[topic].parse(await verifySecurityEvent(jws, options(topic))) };
  } catch (error) {
    return { error };
  }
}

/** What an accepted event must look like, whatever was signed: the parsers' guarantees to their handlers. */
function expectWellFormed(topic: Topic, parsed: VerifiedRevocation | VerifiedKeyEvent): void {
  expect(parsed).toMatchObject({ eventId: expect.any(String), issuedAt: expect.any(Number) });
  if (topic === 'revocations') {
    const { target, revokedAt, expiresAt } = parsed as VerifiedRevocation;
    expect(REVOCATION_TARGET_TYPES).toContain(target.type);
    expect(target.value.length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(revokedAt) && Number.isSafeInteger(expiresAt) && revokedAt <= expiresAt).toBe(true);
    return;
  }
  const { kid, alg, state, jwk, at } = parsed as VerifiedKeyEvent;
  expect(kid.length).toBeGreaterThan(0);
  expect(alg).not.toMatch(/^(none|HS)/i);
  expect(SIGNING_KEY_STATES).toContain(state);
  expect(isPublicJwk(jwk)).toBe(true);
  expect(Number.isSafeInteger(at)).toBe(true);
}

function refusalName(error: unknown): string {
  if (error instanceof EventVerificationError || error instanceof NoSuchKeyError) return error.name;
  return `unexpected: ${String(error)}`;
}

beforeAll(async () => {
  const first = await generateKeyPair('ES256');
  const second = await generateKeyPair('ES256');
  const announced = await generateKeyPair('ES256');
  signingKey = first.privateKey;
  keys = { k1: first.publicKey, k2: second.publicKey };
  const encodeOptions = (n: number): EncodeEventOptions => ({
    issuer: ISSUER,
    audience: [AUDIENCE, 'billing-service'],
    signer: {
      kid: n % 2 === 0 ? 'k1' : 'k2',
      alg: 'ES256',
      privateKey: n % 2 === 0 ? first.privateKey : second.privateKey,
    },
    now: () => NOW_S * 1000,
    id: `evt-${n}`,
  });
  const jwk = await exportJWK(announced.publicKey);
  valid = {
    revocations: await Promise.all(
      REVOCATION_TARGET_TYPES.map((type, n) =>
        encodeRevocationEvent(
          { target: { type, value: `${type}-${n}` }, revokedAt: NOW_S, expiresAt: NOW_S + 300, reason: 'logout' },
          encodeOptions(n),
        ),
      ),
    ),
    keys: await Promise.all(
      SIGNING_KEY_STATES.map((state, n) =>
        encodeKeyEvent({ kid: 'announced', alg: 'ES256', state, jwk, at: NOW_S }, encodeOptions(n)),
      ),
    ),
  };
});

describe('verifySecurityEvent + parsers properties', () => {
  it('accept every unmodified event on its own topic only (else the properties below prove nothing)', async () => {
    for (const jws of valid.revocations) {
      expect(await outcomeOf('revocations', jws)).toHaveProperty('parsed');
      expect(await outcomeOf('keys', jws)).toHaveProperty('error');
    }
    for (const jws of valid.keys) {
      expect(await outcomeOf('keys', jws)).toHaveProperty('parsed');
      expect(await outcomeOf('revocations', jws)).toHaveProperty('error');
    }
  });

  it('never accept a mutated event, and refuse it only with EventVerificationError or the resolver error', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedJws([...valid.revocations, ...valid.keys]), async ({ kind, jws }) => {
        for (const topic of ['revocations', 'keys'] as const) {
          const outcome = await outcomeOf(topic, jws);
          const seen = 'parsed' in outcome ? 'accepted' : refusalName(outcome.error);
          if (valid[topic].includes(jws)) {
            expect({ kind, topic, seen }).toEqual({ kind, topic, seen: 'accepted' });
          } else {
            expect({ kind, topic, seen }).toEqual({
              kind,
              topic,
              seen: expect.stringMatching(/^(EventVerificationError|NoSuchKeyError)$/),
            });
          }
        }
      }),
      { seed: 42, ...RUNS },
    );
  });

  it('answer any signed envelope and payload with a parsed event or an EventVerificationError', async () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('', 'k1', 'ES256', 'HS256', 'none', 'secevent+jwt', 'at+jwt', ISSUER, AUDIENCE, [AUDIENCE]),
      fc.constantFrom(
        ...REVOCATION_TARGET_TYPES,
        ...SIGNING_KEY_STATES,
        'opaque',
        { kty: 'EC' },
        { kty: 'oct', k: 'AA' },
      ),
      fc.integer({ min: -1, max: NOW_S + 400 }),
    );
    // A member set to undefined is left out of the JSON.
    const overrides = (names: string[]) =>
      fc.dictionary(
        fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 6 })),
        fc.option(anyValue, { nil: undefined }),
        {
          maxKeys: 3,
        },
      );
    const eventType = fc.constantFrom(...Object.values(EVENT_TYPES), 'urn:example:other');
    const payloadNames = [
      'subject',
      'target_type',
      'revoked_at',
      'expires_at',
      'reason',
      'kid',
      'alg',
      'state',
      'jwk',
      'at',
    ];
    const basePayload = {
      subject: { format: 'opaque', id: 'x' },
      target_type: 'jti',
      revoked_at: NOW_S,
      expires_at: NOW_S + 300,
      kid: 'announced',
      alg: 'ES256',
      state: 'next',
      jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' },
      at: NOW_S,
    };
    await fc.assert(
      fc.asyncProperty(
        overrides(['alg', 'kid', 'typ', 'crit', 'b64']),
        overrides(['iss', 'aud', 'iat', 'jti', 'events']),
        eventType,
        overrides(payloadNames),
        async (header, envelope, type, payload) => {
          const jws = await signJson(
            signingKey,
            { alg: 'ES256', kid: 'k1', typ: 'secevent+jwt', ...header },
            {
              iss: ISSUER,
              iat: NOW_S,
              jti: 'evt',
              aud: AUDIENCE,
              events: { [type]: { ...basePayload, ...payload } },
              ...envelope,
            },
          );
          for (const topic of ['revocations', 'keys'] as const) {
            const outcome = await outcomeOf(topic, jws);
            if ('error' in outcome) {
              expect(refusalName(outcome.error)).toMatch(/^(EventVerificationError|NoSuchKeyError)$/);
              continue;
            }
            expectWellFormed(topic, outcome.parsed);
          }
        },
      ),
      { seed: 7, ...RUNS },
    );
  });
});
