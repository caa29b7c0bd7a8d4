#!/usr/bin/env node
/**
 * Cost of the guard's plain-TypeScript cores, without HTTP: AccessTokenVerifier.verify (jose ES256
 * signature + claims) and RevocationIndex.match, per call, measured with node's `performance` after a
 * warm-up. Pairs with guard.bench.mjs, which measures the same path end to end through orders-service.
 *
 *   npm run build && node bench/verifier.bench.mjs
 */
import { generateKeyPair, SignJWT } from 'jose';
import { performance } from 'node:perf_hooks';
import { AccessTokenVerifier, KeyResolver, RevocationIndex } from '../dist/libs/auth/src/core.js';

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

async function perCallMicros(label, call) {
  for (let i = 0; i < WARMUP; i += 1) await call(i);
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i += 1) await call(i);
  const micros = ((performance.now() - started) * 1000) / ITERATIONS;
  return { operation: label, 'µs/call': Number(micros.toFixed(2)), calls: ITERATIONS };
}

const { publicKey, privateKey } = await generateKeyPair('ES256');
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({
  iss: 'https://issuer.example',
  sub: 'user-1',
  aud: 'orders-service',
  client_id: 'demo-app',
  scope: 'orders:read',
  jti: 'jti-1',
  iat: now,
  exp: now + 300,
})
  .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
  .sign(privateKey);

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

console.table([
  await perCallMicros('AccessTokenVerifier.verify (ES256)', () => verifier.verify(token)),
  await perCallMicros('RevocationIndex.match (100k entries)', () => index.match({ ...claims, kid: 'k1' })),
]);
