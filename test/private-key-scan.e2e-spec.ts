import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CompactSign, decodeProtectedHeader, generateKeyPair, exportJWK, type JWK } from 'jose';
import { HEARTBEAT_RECORD_KEY, type EventRecord } from '@app/events';
import { decryptPrivateKey } from '../apps/auth-service/src/keys/key-encryption.js';
import { KeyLifecycle } from '../apps/auth-service/src/keys/key-lifecycle.service.js';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { callWithToken, clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import { PRIVATE_JWK_MEMBERS, PrivateKeyScanner, type ScanSource } from './support/private-key-scanner.js';
import { readAllRows, type TableRow } from './support/schema-rows.js';
import { startStack, type Stack } from './support/services.js';
import { readTopicRecords } from './support/topic-records.js';
import { waitFor } from './support/wait-for.js';

/**
 * DESIGN "Signing keys": private keys never leave the key table, and there only encrypted. After a run that
 * creates, rotates (to RS256 and EdDSA) and revokes keys and revokes a token, every table row, every record of
 * both topics and every log line of the three services is scanned for the private parts of every key the
 * service generated (learnt by decrypting them with the KEK, which the test sets) and for private JWKs.
 */
const KEK = randomBytes(32);
const ACTOR = 'private-key-scan';

let stack: Stack | undefined;
const logger = new CapturingLogger();
/** kid → its private JWK, read (decrypted) while the key still had its private part. */
const privateJwks = new Map<string, JWK>();
let rows: TableRow[];
let records: EventRecord[];
let everyKid: string[];
let erasedKids: string[];

async function harvestPrivateKeys(db: Database): Promise<void> {
  const stored = await db.query<{ kid: string; ciphertext: string }>(
    'SELECT kid, private_key_ciphertext AS ciphertext FROM signing_keys WHERE private_key_ciphertext IS NOT NULL',
  );
  for (const { kid, ciphertext } of stored) {
    privateJwks.set(kid, JSON.parse(decryptPrivateKey(ciphertext, KEK, kid).toString('utf8')) as JWK);
  }
}

/** Label → base64url value of every private member of every harvested key, and the KEK itself. */
function secrets(): Map<string, string> {
  const found = new Map<string, string>([['AUTH_KEY_ENCRYPTION_KEY', KEK.toString('base64url')]]);
  for (const [kid, jwk] of privateJwks) {
    for (const member of PRIVATE_JWK_MEMBERS) {
      const value = jwk[member as keyof JWK];
      if (typeof value === 'string') found.set(`${kid} ${member}`, value);
    }
  }
  return found;
}

async function answers(url: string, token: string, status: number): Promise<void> {
  let last: unknown;
  await waitFor(`${url} to answer ${status}`, async () => {
    const response = await callWithToken(url, token);
    last = response;
    return response.status === status ? true : undefined;
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}; last answer ${JSON.stringify(last)}`, { cause: error });
  });
}

/** Every outbox row published. The first publication can wait for a cold broker's transaction coordinator. */
async function outboxRelayed(db: Database): Promise<void> {
  await waitFor(
    'the outbox to be relayed',
    async () => {
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
      return row!.n === 0 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

const sources = (): ScanSource[] => [
  ...rows.map(({ table, row }, index) => ({ name: `table ${table} #${index}`, content: row })),
  ...records.map((record) => ({ name: `topic ${record.topic} @${record.offset}`, content: record })),
  ...logger.entries.map((entry, index) => ({ name: `log #${index}`, content: entry })),
  ...logger.lines.map((line, index) => ({ name: `log line #${index}`, content: line })),
];

describe('the private key scanner (self-check: it can fail)', () => {
  it('finds a planted private value in a log string, in JSON text and in a JWS payload, and a planted private JWK', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const planted = await exportJWK(privateKey);
    const scanner = new PrivateKeyScanner(new Map([['planted d', planted.d!]]));
    const { d: _d, ...publicPart } = planted;
    const inJws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ events: { jwk: planted } })))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const base64 = Buffer.from(planted.d!, 'base64url').toString('base64');

    expect(scanner.scan([{ name: 'clean', content: { msg: 'signing with key', jwk: publicPart } }])).toEqual([]);
    const found = (content: unknown) => scanner.scan([{ name: 'scratch', content }]).map((f) => f.what);
    expect(found(`signing with key ${planted.d} now`)).toContain('planted d (base64url)');
    expect(found(`raw bytes ${base64}`)).toContain('planted d (base64)');
    expect(found({ msg: JSON.stringify({ nested: { kty: 'EC', d: 'x' } }) })).toEqual(['JWK member "d"']);
    expect(found({ value: inJws })).toEqual(expect.arrayContaining(['JWK member "d"', 'planted d (base64url)']));
    expect(found({ kty: 'RSA', p: 'x', q: 'y' })).toEqual(['JWK member "p"', 'JWK member "q"']);
    expect(found({ kty: 'oct', k: 'x' })).toEqual(['JWK member "k"']);
  });
});

describe('a run that creates, rotates and revokes keys and revokes a token', () => {
  beforeAll(async () => {
    const brokers = process.env.KAFKA_BROKERS!;
    stack = await startStack(brokers, {
      authEnv: { AUTH_KEY_ENCRYPTION_KEY: KEK.toString('base64'), AUTH_KEY_PUBLISH_AHEAD_SECONDS: '0' },
      algorithms: 'ES256,EdDSA,RS256',
      logger,
    });
    const { auth, orders, billing } = stack;
    const db = auth.app.get(Database);
    const lifecycle = auth.app.get(KeyLifecycle);
    const store = auth.app.get(SigningKeyStore);
    const resources = [`${orders.url}/orders`, `${billing.url}/invoices`];
    const token = () => clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    const acceptedEverywhere = async (value: string, status: number) => {
      for (const url of resources) await answers(url, value, status);
    };

    await harvestPrivateKeys(db);
    await outboxRelayed(db);
    await acceptedEverywhere(await token(), 200);

    // Two rotations: an RS256 key becomes current, an EdDSA key is next.
    await lifecycle.rotate(ACTOR, 'RS256');
    await harvestPrivateKeys(db);
    const { current: rsaKid } = await lifecycle.rotate(ACTOR, 'EdDSA');
    await harvestPrivateKeys(db);
    await store.reload();
    const signedByRsa = await token();
    expect(decodeProtectedHeader(signedByRsa)).toMatchObject({ alg: 'RS256', kid: rsaKid });
    await acceptedEverywhere(signedByRsa, 200);

    // The RS256 key is revoked (it loses its private part); the EdDSA key takes over.
    await lifecycle.revoke(ACTOR, rsaKid, 'private key scan');
    await harvestPrivateKeys(db);
    await store.reload();
    await acceptedEverywhere(signedByRsa, 401);
    const signedByEd = await token();
    expect(decodeProtectedHeader(signedByEd).alg).toBe('EdDSA');
    await acceptedEverywhere(signedByEd, 200);

    expect(await revokeToken(auth.url, CLIENTS.demo, signedByEd)).toBe(200);
    await acceptedEverywhere(signedByEd, 401);

    await outboxRelayed(db);
    rows = await readAllRows(db);
    const keys = await db.query<{ kid: string; erased: boolean }>(
      'SELECT kid, private_key_ciphertext IS NULL AS erased FROM signing_keys',
    );
    everyKid = keys.map((key) => key.kid);
    erasedKids = keys.filter((key) => key.erased).map((key) => key.kid);
    // Shutdown logs belong to the run as well.
    await stack.close();
    stack = undefined;
    records = [
      ...(await readTopicRecords(brokers, auth.config.kafka.keysTopic)),
      ...(await readTopicRecords(brokers, auth.config.kafka.revocationsTopic)),
    ];
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('learnt the private part of every key the service generated, including those it erased since', () => {
    expect(everyKid).toHaveLength(5);
    expect([...privateJwks.keys()].sort()).toEqual([...everyKid].sort());
    expect(erasedKids).toHaveLength(1);
    const algorithms = [...privateJwks.values()].map((jwk) => jwk.kty).sort();
    expect(algorithms).toEqual(['EC', 'EC', 'EC', 'OKP', 'RSA']);
    const rsa = [...privateJwks.values()].find((jwk) => jwk.kty === 'RSA')!;
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) expect(typeof rsa[member]).toBe('string');
  });

  it('collected every table, both topics and the logs of the three services', () => {
    const tables = new Set(rows.map((row) => row.table));
    for (const table of ['signing_keys', 'outbox', 'audit_log', 'revocations', 'clients', 'users']) {
      expect(tables).toContain(table);
    }
    const topics = new Set(records.map((record) => record.topic));
    expect(topics.size).toBe(2);
    // Every outbox row reached its topic; heartbeats come from the relay directly, not through the outbox.
    const outboxed = records.filter((record) => record.key !== HEARTBEAT_RECORD_KEY);
    expect(outboxed.length).toBe(rows.filter((row) => row.table === 'outbox').length);
    const lines = logger.lines.join('\n');
    for (const context of ['SigningKeyStore', 'KeyLifecycle', 'Auth']) expect(lines).toContain(context);
    expect(lines).toContain('orders-service');
    expect(lines).toContain('billing-service');
  });

  it('left no private key material anywhere: tables, outbox, topics, logs', () => {
    const scanner = new PrivateKeyScanner(secrets());
    expect(scanner.scan(sources())).toEqual([]);
  });
});
