import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { topicSpecs, type EventLogger, type EventRecord } from '@app/events';
import {
  describeTopics,
  ensureTopics,
  EventProducer,
  KafkaConnection,
  TopicReader,
  type TopicReaderOptions,
} from '@app/events/kafka';
import { startBroker } from '../tools/kafka/broker.mjs';
import { waitFor } from './support/wait-for.js';

/**
 * libs/events against the real broker the e2e global setup provides (KAFKA_BROKERS). Nothing is mocked.
 * Every topic name carries a per-run suffix so runs cannot collide.
 */
const brokersEnv = process.env.KAFKA_BROKERS;
if (!brokersEnv) throw new Error('KAFKA_BROKERS must be set (test/setup/global-setup.mjs starts a broker)');
const brokers = brokersEnv.split(',');
const run = randomUUID().slice(0, 8);
const topicName = (name: string): string => `e2e.events.${name}.${run}`;

interface LogEntry {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function capturingLogger(): EventLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      entries.push({ level, msg, fields });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The shared bounded poll, on a plain condition. */
function until(what: string, condition: () => boolean, timeoutMs = 20_000, intervalMs = 5): Promise<true> {
  return waitFor(what, () => (condition() ? true : undefined), { timeoutMs, intervalMs });
}

const logger = capturingLogger();
const connection = new KafkaConnection({ brokers, clientId: `events-e2e-${run}` }, logger);
const producer = new EventProducer(connection);
const readers: TopicReader[] = [];

function reader(options: TopicReaderOptions, readerLogger: EventLogger = logger): TopicReader {
  const created = new TopicReader(connection, options, readerLogger);
  readers.push(created);
  return created;
}

async function createTopic(name: string): Promise<string> {
  const topic = topicName(name);
  await ensureTopics(connection, [{ topic, numPartitions: 1, configs: { 'cleanup.policy': 'compact,delete' } }]);
  return topic;
}

const records = (count: number, prefix: string): { key: string; value: string }[] =>
  Array.from({ length: count }, (_, i) => ({ key: `${prefix}:${i}`, value: `${prefix}-value-${i}` }));

beforeAll(async () => {
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(readers.map((r) => r.stop()));
  await producer.disconnect();
});

describe('ensureTopics', () => {
  it('creates the topics with their configs and is idempotent', async () => {
    const specs = topicSpecs({
      revocationRetentionMs: 3_600_000,
      revocationsTopic: topicName('revocations'),
      keysTopic: topicName('keys'),
      revocationSnapshotsTopic: topicName('revocation-snapshots'),
    });
    await ensureTopics(connection, specs);
    await ensureTopics(connection, specs);

    const described = await describeTopics(connection, [topicName('revocations'), topicName('keys')]);
    expect(described).toEqual([
      {
        topic: topicName('revocations'),
        numPartitions: 1,
        replicationFactor: 1,
        configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': '3600000', 'segment.ms': '3600000' },
      },
      { topic: topicName('keys'), numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
  });
});

describe('EventProducer → TopicReader', () => {
  it('delivers every record in order, across sends, and follows new records live', async () => {
    const topic = await createTopic('order');
    const received: EventRecord[] = [];
    const first = records(50, 'a');
    const second = records(30, 'b');
    await producer.send(topic, first);

    const r = reader({
      topic,
      groupIdPrefix: `e2e-order-${run}`,
      onRecord: async (record) => void received.push(record),
    });
    await r.start();
    await r.whenCaughtUp();
    await producer.send(topic, second);
    await until('80 records', () => received.length === 80);

    expect(received.map(({ key, value }) => ({ key, value }))).toEqual([...first, ...second]);
    expect(received.map((record) => record.offset)).toEqual(Array.from({ length: 80 }, (_, i) => String(i)));
    expect(received.every((record) => record.topic === topic && record.partition === 0)).toBe(true);
    expect(r.groupId.startsWith(`e2e-order-${run}.`)).toBe(true);
  });

  it('hands each fetched batch to readAhead before its records go to onRecord, each record once', async () => {
    const topic = await createTopic('read-ahead');
    const seen: string[] = [];
    await producer.send(topic, records(40, 'r'));
    const r = reader({
      topic,
      groupIdPrefix: `e2e-read-ahead-${run}`,
      readAhead: (batch) => void seen.push(...batch.map((record) => `ahead ${record.offset}`)),
      onRecord: async (record) => void seen.push(`record ${record.offset}`),
    });
    await r.start();
    await r.whenCaughtUp();
    await producer.send(topic, records(10, 's'));
    await until('50 records', () => seen.filter((entry) => entry.startsWith('record')).length === 50);

    const offsets = Array.from({ length: 50 }, (_, i) => String(i));
    expect(seen.filter((entry) => entry.startsWith('ahead'))).toEqual(offsets.map((offset) => `ahead ${offset}`));
    for (const offset of offsets) {
      expect(seen.indexOf(`ahead ${offset}`)).toBeLessThan(seen.indexOf(`record ${offset}`));
    }
  });

  it('connects warm with topics: their metadata is loaded at connect (a missing topic fails it)', async () => {
    const topic = await createTopic('warm');
    const warm = new EventProducer(connection);
    await warm.connect({ topics: [topic] });
    await warm.send(topic, [{ key: 'warm:1', value: 'v' }]);
    await warm.disconnect();
    // Without the metadata request at connect, this connect would succeed and only the first send would fail.
    const cold = new EventProducer(connection);
    await expect(cold.connect({ topics: [topicName('never-created')] })).rejects.toThrow();
  });

  it('measures produce → onRecord latency on loopback', async () => {
    const topic = await createTopic('latency');
    const seenAt = new Map<string, number>();
    const r = reader({
      topic,
      groupIdPrefix: `e2e-latency-${run}`,
      onRecord: async (record) => void seenAt.set(record.key ?? '', performance.now()),
    });
    await r.start();
    await r.whenCaughtUp();

    const samples: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const key = `k${i}`;
      const sentAt = performance.now();
      await producer.send(topic, [{ key, value: 'x' }]);
      await until(`record ${key}`, () => seenAt.has(key), 10_000, 1);
      samples.push((seenAt.get(key) ?? Number.NaN) - sentAt);
    }
    samples.sort((a, b) => a - b);
    const p50 = samples[Math.floor(samples.length / 2)];
    const max = samples[samples.length - 1];
    console.log(
      `produce → onRecord over ${samples.length} records: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    expect(p50).toBeLessThan(100);
  });
});

describe('TopicReader caught-up detection', () => {
  it('is caught up only after consuming all N records present at start', async () => {
    const topic = await createTopic('caught-up');
    const n = 40;
    await producer.send(topic, records(n, 'c'));
    const caughtUpWhileDelivering: boolean[] = [];
    let consumedAtCaughtUp = -1;
    let consumed = 0;
    const r: TopicReader = reader({
      topic,
      groupIdPrefix: `e2e-caught-up-${run}`,
      onRecord: async () => {
        caughtUpWhileDelivering.push(r?.caughtUp ?? true);
        consumed += 1;
      },
    });
    expect(r.caughtUp).toBe(false);
    await r.start();
    await r.whenCaughtUp().then(() => {
      consumedAtCaughtUp = consumed;
    });

    expect(consumedAtCaughtUp).toBe(n);
    expect(caughtUpWhileDelivering).toEqual(Array.from({ length: n }, () => false));
    expect(r.caughtUp).toBe(true);
    expect(r.running).toBe(true);
  });

  it('is caught up at once on an empty topic', async () => {
    const topic = await createTopic('empty');
    const received: EventRecord[] = [];
    const r = reader({
      topic,
      groupIdPrefix: `e2e-empty-${run}`,
      onRecord: async (record) => void received.push(record),
    });
    await r.start();
    await r.whenCaughtUp();
    expect(r.caughtUp).toBe(true);

    await producer.send(topic, [{ key: 'after', value: 'start' }]);
    await until('the record produced after catching up', () => received.length === 1);
    expect(received[0]).toMatchObject({ key: 'after', value: 'start', offset: '0' });
  });

  it('does not create a missing topic and waits for it to appear', async () => {
    const topic = topicName('late');
    const lateLogger = capturingLogger();
    const received: EventRecord[] = [];
    const r = reader(
      { topic, groupIdPrefix: `e2e-late-${run}`, onRecord: async (record) => void received.push(record) },
      lateLogger,
    );
    await r.start();
    await until(
      'two start attempts on the missing topic',
      () => lateLogger.entries.filter((entry) => entry.msg === 'topic reader cannot start yet, retrying').length >= 2,
    );
    expect(r.caughtUp).toBe(false);
    expect(r.running).toBe(true);

    await ensureTopics(connection, [{ topic, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
    const [described] = await describeTopics(connection, [topic]);
    expect(described.configs).toEqual({ 'cleanup.policy': 'compact' }); // ours, not an auto-created default topic
    await producer.send(topic, [{ key: 'k', value: 'v' }]);
    await r.whenCaughtUp();
    await until('the record on the late topic', () => received.length === 1);
    expect(received[0]).toMatchObject({ key: 'k', value: 'v' });
  });
});

describe('TopicReader failure handling', () => {
  it('redelivers the same record after onRecord throws, without skipping or reordering', async () => {
    const topic = await createTopic('retry');
    await producer.send(topic, records(5, 'r'));
    const attempts: { offset: string; at: number }[] = [];
    const delivered: string[] = [];
    let failed = false;
    const retryLogger = capturingLogger();
    const r = reader(
      {
        topic,
        groupIdPrefix: `e2e-retry-${run}`,
        retryBackoff: { initialMs: 200 },
        onRecord: async (record) => {
          attempts.push({ offset: record.offset, at: performance.now() });
          if (record.offset === '2' && !failed) {
            failed = true;
            throw new Error('transient');
          }
          delivered.push(record.offset);
        },
      },
      retryLogger,
    );
    await r.start();
    await r.whenCaughtUp();

    expect(attempts.map((attempt) => attempt.offset)).toEqual(['0', '1', '2', '2', '3', '4']);
    expect(delivered).toEqual(['0', '1', '2', '3', '4']);
    expect(attempts[3].at - attempts[2].at).toBeGreaterThanOrEqual(190);
    expect(retryLogger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'onRecord failed, retrying the same record',
        fields: expect.objectContaining({ topic, partition: 0, offset: '2', attempt: 0 }),
      }),
    );
  });

  it('keeps retrying a failing record for longer than the session timeout, heartbeating meanwhile', async () => {
    const topic = await createTopic('long-retry');
    await producer.send(topic, records(2, 'l'));
    const longLogger = capturingLogger();
    const infoConnection = new KafkaConnection(
      { brokers, clientId: `events-e2e-long-${run}`, logLevel: 'info' },
      longLogger,
    );
    let failUntil = 0;
    const delivered: string[] = [];
    const r = new TopicReader(
      infoConnection,
      {
        topic,
        groupIdPrefix: `e2e-long-retry-${run}`,
        retryBackoff: { initialMs: 500, maxMs: 1000 },
        onRecord: async (record) => {
          if (failUntil === 0) failUntil = Date.now() + 8000; // longer than sessionTimeout (6 s)
          if (record.offset === '0' && Date.now() < failUntil) throw new Error('still down');
          delivered.push(record.offset);
        },
      },
      longLogger,
    );
    readers.push(r);
    await r.start();
    await r.whenCaughtUp();
    expect(delivered).toEqual(['0', '1']);
    // One more record after the retries: the consumer has gone through its next heartbeat by then. Had the session
    // expired meanwhile, that heartbeat would have failed and the consumer would have joined its group again.
    await producer.send(topic, records(1, 'm'));
    await until('the record after the long retry', () => delivered.length === 3);
    const joins = longLogger.entries.filter((entry) => entry.msg.startsWith('Consumer has joined the group'));
    expect(joins).toHaveLength(1);
  }, 30_000);

  it('stops cleanly, and whenCaughtUp of a reader stopped early rejects', async () => {
    const topic = await createTopic('stop');
    const r = reader({ topic, groupIdPrefix: `e2e-stop-${run}`, onRecord: async () => undefined });
    await r.start();
    await r.whenCaughtUp();
    await r.stop();
    expect(r.running).toBe(false);
    await r.stop();

    const never = reader({
      topic: topicName('never-created'),
      groupIdPrefix: `e2e-stop-${run}`,
      onRecord: async () => undefined,
    });
    await never.start();
    await never.stop();
    await expect(never.whenCaughtUp()).rejects.toThrow('stopped before catching up');
    expect(never.running).toBe(false);
  });
});

describe('broker loss (a broker of its own, stopped and restarted)', () => {
  it('the reader survives and resumes without redelivery; a send fails within bounds, then succeeds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'events-e2e-broker-'));
    let broker = await startBroker({ dataDir });
    const ownConnection = new KafkaConnection({ brokers: [broker.brokers], clientId: `events-e2e-loss-${run}` });
    const ownProducer = new EventProducer(ownConnection);
    const received: string[] = [];
    const r = new TopicReader(ownConnection, {
      topic: 'e2e.events.loss',
      groupIdPrefix: 'e2e-loss',
      onRecord: async (record) => void received.push(record.value ?? ''),
    });
    try {
      await ensureTopics(ownConnection, [{ topic: 'e2e.events.loss', numPartitions: 1, configs: {} }]);
      await ownProducer.connect();
      await r.start();
      await r.whenCaughtUp();
      await ownProducer.send('e2e.events.loss', records(3, 'before'));
      await until('records before the outage', () => received.length === 3);
      const groupBefore = r.groupId;

      await broker.stop();
      const failedAt = Date.now();
      await expect(ownProducer.send('e2e.events.loss', records(1, 'lost'))).rejects.toMatchObject({
        name: 'EventPublishError',
        code: 'ERR_EVENT_PUBLISH_FAILED',
        topic: 'e2e.events.loss',
      });
      expect(Date.now() - failedAt).toBeLessThan(30_000);
      expect(r.running).toBe(true);

      broker = await startBroker({ dataDir, port: broker.port, controllerPort: broker.controllerPort });
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await ownProducer.send('e2e.events.loss', records(3, 'after'));
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      await until('records after the outage', () => received.length >= 6, 60_000);
      expect(received).toEqual([...records(3, 'before'), ...records(3, 'after')].map((record) => record.value));
      expect(r.running).toBe(true);
      // Replaced in a group of its own (rejoining the old one would wait for the lost member's session to expire).
      expect(r.groupId).not.toBe(groupBefore);
      expect(r.groupId.startsWith('e2e-loss.')).toBe(true);
    } finally {
      await r.stop();
      await ownProducer.disconnect();
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
