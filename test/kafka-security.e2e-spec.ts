import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authTopicAcls, topicSpecs, type EventLogger } from '@app/events';
import {
  createAcls,
  describeTopics,
  ensureTopics,
  EventProducer,
  KafkaConnection,
  TopicReader,
  type KafkaConnectionOptions,
} from '@app/events/kafka';
import { startBroker, type BrokerHandle, type ScramUser } from '../tools/kafka/broker.mjs';
import { createCertificates, type CertificatePaths } from '../tools/tls/certificates.mjs';
import { callWithToken, clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import {
  startAuthService,
  startOrdersService,
  uniqueKafkaSetup,
  type KafkaSetup,
  type RunningService,
} from './support/services.js';
import { waitFor } from './support/wait-for.js';

/**
 * Kafka transport security against a broker of its own: a SASL_SSL listener (TLS, SCRAM-SHA-256) and the KRaft
 * StandardAuthorizer, so nothing is allowed that no ACL allows. The ACLs are `authTopicAcls`, created by the
 * broker's super user: the auth service writes the auth topics, resource servers only read them.
 */
const run = randomUUID().slice(0, 8);
const password = (): string => randomBytes(24).toString('base64url');
const users = {
  auth: { username: 'auth-service', password: password() },
  orders: { username: 'orders-service', password: password() },
  billing: { username: 'billing-service', password: password() },
} satisfies Record<string, ScramUser>;
/** orders-service also publishes its own domain events: in a shared cluster it may write `orders.*`. */
const ordersOwnTopic = `orders.events.e2e-${run}`;

let dir: string;
let certificates: CertificatePaths;
/** The CA that issued the broker certificate (PEM): what clients trust. */
let caPem: string;
let broker: BrokerHandle;
let kafka: KafkaSetup;
/** Topics created with a setting that would lose revocations. */
let misconfigured: KafkaSetup;

function connection(user: ScramUser, options: Partial<KafkaConnectionOptions> = {}, logger?: EventLogger) {
  return new KafkaConnection(
    {
      brokers: [broker.brokers],
      clientId: `kafka-security-e2e-${user.username}`,
      ssl: { ca: [caPem] },
      sasl: { mechanism: 'scram-sha-256', ...user },
      ...options,
    },
    logger,
  );
}

/** What a service's config file reads to reach the secure broker as `user` (password from a file). */
async function secureKafkaEnv(user: ScramUser): Promise<Record<string, string>> {
  const passwordFile = join(dir, `${user.username}.password`);
  await writeFile(passwordFile, `${user.password}\n`, { mode: 0o600 });
  return {
    KAFKA_BROKERS: broker.brokers,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: certificates.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: user.username,
    KAFKA_SASL_PASSWORD_FILE: passwordFile,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kafka-security-e2e-'));
  certificates = createCertificates({ dir: join(dir, 'tls'), days: 1 });
  caPem = await readFile(certificates.caFile, 'utf8');
  broker = await startBroker({
    dataDir: join(dir, 'kafka'),
    secure: {
      keyPem: await readFile(certificates.keyFile, 'utf8'),
      certificateChainPem: await readFile(certificates.certFile, 'utf8'),
      caPem,
      users: Object.values(users),
    },
  });
  kafka = uniqueKafkaSetup(broker.brokers);
  misconfigured = uniqueKafkaSetup(broker.brokers);
  const admin = connection(broker.superUser!);
  const grants = (topics: KafkaSetup) =>
    authTopicAcls({
      authService: { principal: 'User:auth-service', groupIdPrefix: 'auth-service' },
      resourceServers: [
        { principal: 'User:orders-service', groupIdPrefix: 'orders-service' },
        { principal: 'User:billing-service', groupIdPrefix: 'billing-service' },
      ],
      revocationsTopic: topics.revocationsTopic,
      keysTopic: topics.keysTopic,
      revocationSnapshotsTopic: topics.revocationSnapshotsTopic,
    });
  await createAcls(admin, [
    ...grants(kafka),
    ...grants(misconfigured),
    {
      principal: 'User:orders-service',
      resourceType: 'topic',
      resourceName: 'orders.',
      patternType: 'prefixed',
      operation: 'write',
    },
  ]);
  await ensureTopics(admin, [
    ...topicSpecs({ revocationRetentionMs: 3_600_000, ...kafka }),
    { topic: ordersOwnTopic, numPartitions: 1, configs: {} },
    { topic: misconfigured.revocationsTopic, numPartitions: 1, configs: { 'cleanup.policy': 'delete' } },
  ]);
});

afterAll(async () => {
  await broker?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Polls `url` with `token` until it is no longer accepted; returns that answer. */
function refusal(url: string, token: string) {
  return waitFor(`${url} to refuse the revoked token`, async () => {
    const response = await callWithToken(url, token);
    return response.status === 200 ? undefined : response;
  });
}

describe('the auth service and a resource server over SASL_SSL with SCRAM', () => {
  let auth: Awaited<ReturnType<typeof startAuthService>>;
  let orders: RunningService;

  beforeAll(async () => {
    auth = await startAuthService(kafka, await secureKafkaEnv(users.auth));
    orders = await startOrdersService({ issuer: auth.config.issuer, kafka, env: await secureKafkaEnv(users.orders) });
    await waitFor(
      'orders-service readiness',
      async () => ((await fetch(`${orders.url}/health`)).ok ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
  });

  afterAll(async () => {
    await orders?.close();
    await auth?.close();
  });

  it('refuses at orders-service a token revoked at the auth service', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(200);
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    expect(await refusal(`${orders.url}/orders`, token)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
  });

  it("refuses at the auth service's own /admin (its guard reads the topics too) a revoked admin token", async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    expect((await callWithToken(`${auth.url}/admin/keys`, token)).status).toBe(200);
    expect(await revokeToken(auth.url, CLIENTS.admin, token)).toBe(200);
    expect(await refusal(`${auth.url}/admin/keys`, token)).toMatchObject({
      status: 401,
      body: { errorCode: 'ERR_TOKEN_REVOKED' },
    });
  });
});

describe('ACLs: only the auth service writes the auth topics', () => {
  it('refuses a resource server that writes its own topics on the revocations topic (TOPIC_AUTHORIZATION_FAILED)', async () => {
    const producer = new EventProducer(connection(users.orders));
    await producer.connect();
    try {
      await producer.send(ordersOwnTopic, [{ key: 'order:1', value: 'created' }]);
      await expect(
        producer.send(kafka.revocationsTopic, [{ key: 'jti:someone-else', value: 'an unsigned tombstone' }]),
      ).rejects.toMatchObject({
        name: 'EventPublishError',
        code: 'ERR_EVENT_PUBLISH_FAILED',
        topic: kafka.revocationsTopic,
        cause: { type: 'TOPIC_AUTHORIZATION_FAILED' },
      });
    } finally {
      await producer.disconnect();
    }
  });

  it('gives a resource server that only reads no producer at all (CLUSTER_AUTHORIZATION_FAILED)', async () => {
    const producer = new EventProducer(connection(users.billing));
    try {
      await expect(producer.connect()).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    } finally {
      await producer.disconnect();
    }
  });
});

describe('a reader whose consumer the Kafka client gives up on', () => {
  it('starts a new consumer, and catches up once it may read the topic', async () => {
    const topic = `e2e.late-grant.${run}`;
    const admin = connection(broker.superUser!);
    await ensureTopics(admin, [{ topic, numPartitions: 1, configs: {} }]);
    const producer = new EventProducer(admin);
    await producer.connect();
    await producer.send(topic, [{ key: 'k', value: 'before the grant' }]);
    await producer.disconnect();
    // Describe but not read: the offsets can be fetched, every fetch of records is refused (not retriable).
    const acl = (operation: 'describe' | 'read') =>
      ({
        principal: 'User:orders-service',
        resourceType: 'topic',
        resourceName: topic,
        patternType: 'literal',
        operation,
      }) as const;
    await createAcls(admin, [acl('describe')]);
    const received: string[] = [];
    const reader = new TopicReader(connection(users.orders), {
      topic,
      groupIdPrefix: 'orders-service.late-grant',
      onRecord: async (record) => void received.push(record.value ?? ''),
    });
    await reader.start();
    try {
      await waitFor('the consumer to be given up on', () => (reader.running ? undefined : true), { timeoutMs: 30_000 });
      expect(reader.caughtUp).toBe(false);
      await createAcls(admin, [acl('read')]);
      await waitFor('the new consumer to catch up', () => (reader.running && reader.caughtUp ? true : undefined), {
        timeoutMs: 60_000,
      });
      expect(received).toEqual(['before the grant']);
    } finally {
      await reader.stop();
    }
  }, 120_000);
});

describe('authentication and TLS', () => {
  it('refuses a wrong password and logs neither password', async () => {
    const lines: string[] = [];
    const capture = (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push(`${msg} ${JSON.stringify(fields)}`);
    const logger: EventLogger = { debug: capture, info: capture, warn: capture, error: capture };
    const wrong = password();
    const producer = new EventProducer(connection({ ...users.orders, password: wrong }, { logLevel: 'debug' }, logger));
    try {
      await expect(producer.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    } finally {
      await producer.disconnect();
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(wrong) || line.includes(users.orders.password))).toEqual([]);
  });

  it('gets no answer in plaintext on the secure port, even with the right credentials', async () => {
    for (const options of [{ ssl: false }, { ssl: false, sasl: undefined }]) {
      const producer = new EventProducer(connection(users.auth, options));
      try {
        await expect(producer.connect()).rejects.toMatchObject({ cause: { name: 'KafkaJSConnectionClosedError' } });
      } finally {
        await producer.disconnect();
      }
    }
  });

  it('refuses a TLS client that does not trust the broker certificate', async () => {
    const producer = new EventProducer(connection(users.auth, { ssl: true }));
    try {
      await expect(producer.connect()).rejects.toMatchObject({
        cause: { name: 'KafkaJSConnectionError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      });
    } finally {
      await producer.disconnect();
    }
  });
});

describe('topic settings checked at start', () => {
  it('refuses to start the auth service on a revocations topic that is not compacted, and leaves the topic as it is', async () => {
    await expect(startAuthService(misconfigured, await secureKafkaEnv(users.auth))).rejects.toMatchObject({
      code: 'ERR_TOPIC_CONFIG_MISMATCH',
      mismatches: [{ topic: misconfigured.revocationsTopic, setting: 'cleanup.policy', actual: 'delete' }],
    });
    const [revocations] = await describeTopics(connection(users.auth), [misconfigured.revocationsTopic]);
    expect(revocations.configs['cleanup.policy']).toBe('delete');
  });
});
