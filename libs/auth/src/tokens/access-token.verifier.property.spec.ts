import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { silentEventLogger } from '@app/events';
import { signJson } from '../../../../test/support/crafted-tokens.js';
import { mutatedJws } from '../../../../test/support/jws-mutations.js';
import { InvalidTokenError } from '../errors/auth.errors.js';
import { KeySet } from '../keys/key-set.js';
import { AccessTokenVerifier } from './access-token.verifier.js';

/**
 * Property tests of the verifier (fast-check, fixed seeds, bounded runs): a valid token damaged in any way is never
 * accepted, and whatever a token holds, the verifier answers with the token or an InvalidTokenError, nothing else.
 */

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'orders-service';
const NOW_S = 1_800_000_000;
const TOLERANCE_S = 30;
const RUNS = { numRuns: 300 } as const;

let verifier: AccessTokenVerifier;
let issuerKey: CryptoKey;
/** Valid tokens from two trusted keys (so splices can mix keys), each with other claims. */
let valid: string[];

const claims = (n: number): JWTPayload => ({
  iss: ISSUER,
  sub: `user-${n}`,
  aud: [AUDIENCE, 'billing-service'],
  client_id: `client-${n}`,
  scope: n % 2 === 0 ? 'orders:read' : 'orders:read orders:write',
  jti: `jti-${n}`,
  iat: NOW_S - 10 * n,
  exp: NOW_S + 300,
  ...(n % 3 === 0 ? { sid: `sid-${n}`, auth_time: NOW_S - 60 } : {}),
});

/** The outcome of one verification: `'accepted'`, or the error the token was refused with. */
async function outcomeOf(token: string): Promise<unknown> {
  return verifier.verify(token).then(
    () => 'accepted',
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  const first = await generateKeyPair('ES256');
  const second = await generateKeyPair('ES256');
  issuerKey = first.privateKey;
  const published = [
    { ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'ES256', use: 'sig' },
  ];
  const keys = new KeySet({
    algorithms: ['ES256'],
    load: async () => published,
    cooldownMs: 30_000,
    maxAgeMs: 600_000,
    clock: () => NOW_S * 1000,
    logger: silentEventLogger,
  });
  await keys.refresh();
  verifier = new AccessTokenVerifier(
    {
      issuer: ISSUER,
      audiences: [AUDIENCE],
      algorithms: ['ES256'],
      clockToleranceSeconds: TOLERANCE_S,
      maxTokenBytes: 8192,
      clock: () => NOW_S * 1000,
    },
    keys,
  );
  const sign = (n: number, kid: string, key: CryptoKey) =>
    new SignJWT(claims(n)).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(key);
  valid = await Promise.all([
    sign(1, 'k1', first.privateKey),
    sign(2, 'k1', first.privateKey),
    sign(3, 'k2', second.privateKey),
    sign(4, 'k2', second.privateKey),
  ]);
});

describe('AccessTokenVerifier properties', () => {
  it('accepts every unmodified token (else the properties below prove nothing)', async () => {
    for (const token of valid) await expect(outcomeOf(token)).resolves.toBe('accepted');
  });

  it('never accepts a mutated token, and refuses it only with an InvalidTokenError', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedJws(valid), async ({ kind, jws }) => {
        const outcome = await outcomeOf(jws);
        if (valid.includes(jws)) {
          expect({ kind, outcome }).toEqual({ kind, outcome: 'accepted' });
          return;
        }
        expect({ kind, refusedWith: outcome instanceof InvalidTokenError ? 'InvalidTokenError' : outcome }).toEqual({
          kind,
          refusedWith: 'InvalidTokenError',
        });
      }),
      { seed: 42, ...RUNS },
    );
  });

  it('answers any header and claims signed by the issuer with a well-formed token or an InvalidTokenError', async () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('', 'k1', 'k2', 'ES256', 'none', 'HS256', 'at+jwt', 'JWT', ISSUER, AUDIENCE, ['k1'], [AUDIENCE]),
      fc.integer({ min: NOW_S - 400, max: NOW_S + 400 }),
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
    const headerNames = ['alg', 'kid', 'typ', 'crit', 'b64', 'jwk', 'jku'];
    const claimNames = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'sid'];
    await fc.assert(
      fc.asyncProperty(overrides(headerNames), overrides(claimNames), async (header, claimChanges) => {
        const token = await signJson(
          issuerKey,
          { alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header },
          { ...claims(1), ...claimChanges },
        );
        const accepted = await verifier.verify(token).catch((error: unknown) => {
          expect(error).toBeInstanceOf(InvalidTokenError);
          return undefined;
        });
        if (accepted === undefined) return;
        const { claims: verified, scopes, kid } = accepted;
        expect(kid).toBe('k1');
        expect(verified.iss).toBe(ISSUER);
        expect([verified.aud].flat()).toContain(AUDIENCE);
        for (const id of [verified.sub, verified.jti, verified.client_id]) expect(id).toEqual(expect.any(String));
        expect([verified.sub, verified.jti, verified.client_id]).not.toContain('');
        expect(verified.exp).toBeGreaterThan(NOW_S - TOLERANCE_S);
        expect(verified.iat).toBeLessThanOrEqual(NOW_S + TOLERANCE_S);
        expect(verified.nbf ?? NOW_S).toBeLessThanOrEqual(NOW_S + TOLERANCE_S);
        expect(['string', 'undefined']).toContain(typeof verified.scope);
        expect(['string', 'undefined']).toContain(typeof verified.sid);
        for (const scope of scopes) expect(scope).toMatch(/^\S+$/);
      }),
      { seed: 7, ...RUNS },
    );
  });
});
