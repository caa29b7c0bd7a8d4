#!/usr/bin/env node
/**
 * Cost of the guard's plain-TypeScript cores, without HTTP: AccessTokenVerifier.verify (jose ES256
 * signature + claims), the verified-token cache on a miss (a new token each call: verify + insert) and on a hit,
 * and RevocationIndex.match, per call, measured with node's `performance` after a warm-up; beside them the fresh
 * path of the guard bench's peers (jose `jwtVerify` with a local JWKS, the node:crypto floor), so the difference
 * between ours fresh and the floor can be split between HTTP-free layers. Pairs with guard.bench.mjs, which
 * measures the same paths end to end over HTTP.
 *
 *   npm run build && node bench/verifier.bench.mjs
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AccessTokenVerifier, KeyResolver, RevocationIndex } from '../dist/libs/auth/src/core.js';
import { VerifiedTokenCache } from '../dist/libs/auth/src/tokens/verified-token.cache.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const WARMUP = 2_000;

class OneKey extends KeyResolver {
  constructor(key) {
    super();
    this.key = key;
  }
  async resolve() {
    return this.key;
  }
}

/** `call(n)` gets the call's number, warm-up included, so a miss run can take a new token every call. */
async function perCallMicros(label, call) {
  for (let i = 0; i < WARMUP; i += 1) await call(i);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i += 1) await call(WARMUP + i);
  const micros = ((performance.now() - started) * 1000) / ITERATIONS;
  const { user, system } = process.cpuUsage(cpuBefore);
  return {
    operation: label,
    'µs/call': Number(micros.toFixed(2)),
    // All threads: WebCrypto's work runs on the thread pool, and its hop is wall time, not CPU.
    'CPU µs/call': Number(((user + system) / ITERATIONS).toFixed(2)),
    calls: ITERATIONS,
  };
}

const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const now = Math.floor(Date.now() / 1000);
const signToken = (jti) =>
  new SignJWT({
    iss: 'https://issuer.example',
    sub: 'user-1',
    aud: 'orders-service',
    client_id: 'demo-app',
    scope: 'orders:read',
    jti,
    iat: now,
    exp: now + 300,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
    .sign(privateKey);
const token = await signToken('jti-1');
/** One token per call of a miss run (warm-up included), so that every call is a cache miss. */
const fresh = await Promise.all(Array.from({ length: WARMUP + ITERATIONS }, () => signToken(randomUUID())));
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
const localJwks = createLocalJWKSet({ keys: [jwk] });
const keyObject = createPublicKey({ key: jwk, format: 'jwk' });

/** The guard bench's floor guard, without Nest: split, header, crypto.verify with a KeyObject, payload, exp. */
function floorVerify(compact) {
  const [header, payload, signature] = compact.split('.');
  JSON.parse(Buffer.from(header, 'base64url').toString());
  const signed = Buffer.from(`${header}.${payload}`);
  const options = { key: keyObject, dsaEncoding: 'ieee-p1363' };
  if (!verify('sha256', signed, options, Buffer.from(signature, 'base64url'))) throw new Error('bad signature');
  if (JSON.parse(Buffer.from(payload, 'base64url').toString()).exp * 1000 <= Date.now()) throw new Error('expired');
}

const verifier = new AccessTokenVerifier(
  {
    issuer: 'https://issuer.example',
    audiences: ['orders-service'],
    algorithms: ['ES256'],
    clockToleranceSeconds: 30,
    maxTokenBytes: 8192,
    clock: Date.now,
  },
  new OneKey({ kid: 'k1', alg: 'ES256', key: publicKey }),
);
const index = new RevocationIndex({ clock: Date.now, graceSeconds: 30 });
for (let i = 0; i < 100_000; i += 1) {
  index.apply({ target: { type: 'jti', value: `revoked-${i}` }, revokedAt: now, expiresAt: now + 300 });
}
const { claims } = await verifier.verify(token);

const cache = new VerifiedTokenCache(verifier, {
  maxEntries: 10_000,
  maxBytes: 16 * 1024 * 1024,
  clockToleranceSeconds: 30,
  clock: Date.now,
});

console.table([
  await perCallMicros('floor: node:crypto verify + JSON.parse + exp', () => floorVerify(token)),
  await perCallMicros('jose jwtVerify, local JWKS (the jose guard)', () =>
    jwtVerify(token, localJwks, {
      issuer: 'https://issuer.example',
      audience: 'orders-service',
      algorithms: ['ES256'],
    }),
  ),
  await perCallMicros('AccessTokenVerifier.verify (ES256)', () => verifier.verify(token)),
  await perCallMicros('VerifiedTokenCache.verify, miss (10,000 entries)', (i) => cache.verify(fresh[i])),
  await perCallMicros('VerifiedTokenCache.verify, hit', () => cache.verify(token)),
  await perCallMicros('RevocationIndex.match (100k entries)', () => index.match({ ...claims, kid: 'k1' })),
]);
