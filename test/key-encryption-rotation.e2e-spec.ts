import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import { decryptPrivateKey } from '../apps/auth-service/src/keys/key-encryption.js';
import { clientCredentialsToken, CLIENTS } from './support/oauth-client.js';
import { startAuthService, uniqueKafkaSetup, type KafkaSetup } from './support/services.js';

/**
 * Rotation of the key-encryption key (KEK) on a real Postgres, across restarts of the auth service on ONE schema:
 * A → (B with previous A: re-wrap) → B alone → C alone (refused). The signing keys never change, only their wrapping.
 * Needs DATABASE_URL (the embedded database lives in memory and does not survive a restart).
 */
const databaseUrl = process.env.DATABASE_URL;
const describeOnPostgres = databaseUrl === undefined || databaseUrl === '' ? describe.skip : describe;

const kek = (): string => randomBytes(32).toString('base64');
const KEK_A = kek();
const KEK_B = kek();
const KEK_C = kek();

interface StoredKey {
  kid: string;
  state: string;
  ciphertext: string;
  kek_id: string;
}

describeOnPostgres('key-encryption-key rotation (real Postgres, one schema across restarts)', () => {
  const schema = `e2e_kek_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let kafka: KafkaSetup;
  let db: pg.Client;
  /** The kid that signed the first token, and the stored keys as KEK A wrapped them. */
  let signingKid: string;
  let wrappedByA: StoredKey[];
  let jwksUnderA: JSONWebKeySet;
  let wrappedByB: StoredKey[];

  const start = (env: Record<string, string>) => startAuthService(kafka, { AUTH_DATABASE_SCHEMA: schema, ...env });

  const storedKeys = async (): Promise<StoredKey[]> =>
    (
      await db.query<StoredKey>(
        `SELECT kid, state, private_key_ciphertext AS ciphertext, kek_id FROM "${schema}".signing_keys ORDER BY kid`,
      )
    ).rows;

  const rewrapAudit = async (): Promise<{ kid: string; from: string; to: string }[]> =>
    (
      await db.query<{ kid: string; from: string; to: string }>(
        `SELECT details->>'kid' AS kid, details->>'from' AS "from", details->>'to' AS "to"
           FROM "${schema}".audit_log WHERE type = 'key.rewrapped' ORDER BY id`,
      )
    ).rows;

  const jwksOf = async (url: string): Promise<JSONWebKeySet> =>
    (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;

  /** Decrypts a stored private key with a KEK the test holds: the plaintext JWK, to compare keys across wrappings. */
  const plaintextOf = (key: StoredKey, kekBase64: string): string =>
    decryptPrivateKey(key.ciphertext, Buffer.from(kekBase64, 'base64'), key.kid).toString('utf8');

  beforeAll(async () => {
    kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
  });

  it('starts with KEK A: a current and a next key wrapped by A, a token signed with the current key', async () => {
    const auth = await start({ AUTH_KEY_ENCRYPTION_KEY: KEK_A });
    try {
      const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
      signingKid = decodeProtectedHeader(token).kid!;
      jwksUnderA = await jwksOf(auth.url);
    } finally {
      await auth.close();
    }
    wrappedByA = await storedKeys();
    expect(wrappedByA.map((key) => key.state).sort()).toEqual(['current', 'next']);
    expect(wrappedByA.find((key) => key.state === 'current')!.kid).toBe(signingKid);
    expect(new Set(wrappedByA.map((key) => key.kek_id)).size).toBe(1);
    for (const key of wrappedByA) expect(() => plaintextOf(key, KEK_A)).not.toThrow();
    expect(await rewrapAudit()).toEqual([]);
  });

  it('restarted with KEK B and previous A: re-wraps every key under B, same keys, same kids, same signer', async () => {
    const auth = await start({ AUTH_KEY_ENCRYPTION_KEY: KEK_B, AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: KEK_A });
    let token: string;
    let jwks: JSONWebKeySet;
    try {
      token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
      jwks = await jwksOf(auth.url);
    } finally {
      await auth.close();
    }
    wrappedByB = await storedKeys();
    const kekIdA = wrappedByA[0]!.kek_id;
    const kekIdB = wrappedByB[0]!.kek_id;
    expect(kekIdB).not.toBe(kekIdA);
    expect(wrappedByB.map(({ kid, state }) => ({ kid, state }))).toEqual(
      wrappedByA.map(({ kid, state }) => ({ kid, state })),
    );
    for (const [index, key] of wrappedByB.entries()) {
      const before = wrappedByA[index]!;
      expect(key.kek_id).toBe(kekIdB);
      expect(key.ciphertext).not.toBe(before.ciphertext);
      expect(() => plaintextOf(key, KEK_A)).toThrow();
      expect(plaintextOf(key, KEK_B)).toBe(plaintextOf(before, KEK_A));
    }
    expect(await rewrapAudit()).toEqual(
      expect.arrayContaining(wrappedByA.map(({ kid }) => ({ kid, from: kekIdA, to: kekIdB }))),
    );
    expect(await rewrapAudit()).toHaveLength(wrappedByA.length);

    expect(jwks.keys.map((key) => key.kid)).toEqual(jwksUnderA.keys.map((key) => key.kid));
    expect(decodeProtectedHeader(token).kid).toBe(signingKid);
    // The public key published under KEK A verifies it: the very same signing key.
    await jwtVerify(token, createLocalJWKSet(jwksUnderA), { algorithms: ['ES256'] });
  });

  it('restarted with KEK B alone: still signs with the same key, nothing left to re-wrap', async () => {
    const auth = await start({ AUTH_KEY_ENCRYPTION_KEY: KEK_B });
    let token: string;
    try {
      token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    } finally {
      await auth.close();
    }
    expect(decodeProtectedHeader(token).kid).toBe(signingKid);
    await jwtVerify(token, createLocalJWKSet(jwksUnderA), { algorithms: ['ES256'] });
    expect(await storedKeys()).toEqual(wrappedByB);
    expect(await rewrapAudit()).toHaveLength(wrappedByA.length);
  });

  it('refuses to start with a third KEK C alone, naming AUTH_KEY_ENCRYPTION_KEY_PREVIOUS, and changes nothing', async () => {
    const error: unknown = await start({ AUTH_KEY_ENCRYPTION_KEY: KEK_C }).then(
      async (auth) => {
        await auth.close();
        throw new Error('the auth service started with a KEK that wraps none of its keys');
      },
      (refused: unknown) => refused,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toContain('AUTH_KEY_ENCRYPTION_KEY_PREVIOUS');
    expect(await storedKeys()).toEqual(wrappedByB);
  });
});
