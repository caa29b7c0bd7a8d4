#!/usr/bin/env node
/**
 * Cold start of a resource server against many live revocations: time from `ResourceServer.start()` to `ready`
 * (keys loaded, both feeds caught up, a fresh heartbeat), side by side in one run against one broker:
 *
 *   full topic    snapshots off: every revocation event on the topic decoded and verified (one signature each)
 *   snapshot      the same topic, plus a signed snapshot covering it: chunks verified (one signature per chunk),
 *                 the topic read only from the covered offsets (its history is neither fetched nor verified)
 *   snapshot, big a snapshot of BENCH_SNAPSHOT_REVOCATIONS (1M) entries, covering the same topic
 *   expired       snapshots off, a topic of BENCH_EXPIRED_REVOCATIONS (100,000) revocations already expired (a week
 *                 of history): each is peeked at and skipped, none verified
 *
 * Events are generated and signed here (an ES256 key served through `loadKeys`), not through the auth service: the
 * figure is the consumer's start, and an outbox of 1M rows would only measure how long it takes to fill one. Each
 * topic ends with a heartbeat. Every variant checks its index holds every revocation it should.
 *
 *   npm run bench:cold-start
 *   BENCH_TOPIC_REVOCATIONS=1000000 npm run bench:cold-start   # the full-topic variant at 1M (minutes)
 *
 * Variables: BENCH_TOPIC_REVOCATIONS (100,000: events on the revocations topic, both first variants),
 * BENCH_SNAPSHOT_REVOCATIONS (1,000,000; 0 skips the big variant), BENCH_EXPIRED_REVOCATIONS (100,000; 0 skips the
 * expired variant), KAFKA_BROKERS (else the built-in broker starts).
 * Prints a table, then one line `BENCH {json}`. When the full-topic variant ran with fewer events than the big
 * snapshot, its time at the big size is extrapolated linearly and labeled so.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ResourceServer } from '../dist/libs/auth/src/core.js';
import {
  encodeHeartbeatEvent,
  encodeRevocationEvent,
  encodeRevocationSnapshot,
  revocationRecordKey,
  SNAPSHOT_MANIFEST_RECORD_KEY,
  snapshotChunkRecordKey,
  topicSpecs,
} from '../dist/libs/events/src/index.js';
import {
  ensureTopics,
  EventProducer,
  fetchTopicEndOffsets,
  KafkaConnection,
  KafkaEventSource,
} from '../dist/libs/events/src/kafka/index.js';
import { startBroker } from '../tools/kafka/broker.mjs';

const TOPIC_REVOCATIONS = Number(process.env.BENCH_TOPIC_REVOCATIONS ?? 100_000);
const SNAPSHOT_REVOCATIONS = Number(process.env.BENCH_SNAPSHOT_REVOCATIONS ?? 1_000_000);
const EXPIRED_REVOCATIONS = Number(process.env.BENCH_EXPIRED_REVOCATIONS ?? 100_000);
const ISSUER = 'https://issuer.bench';
const AUDIENCE = 'orders-service';
/** Events per produce request: a record batch must stay under the topic's `max.message.bytes` (1 MiB). */
const SEND_BATCH = 500;
const run = randomUUID().slice(0, 8);
let traceStart = 0;

let broker;
let brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  broker = await startBroker({});
  brokers = broker.brokers;
}

const { publicKey, privateKey } = await generateKeyPair('ES256');
const signer = { kid: 'bench-key', alg: 'ES256', privateKey };
const jwk = { ...(await exportJWK(publicKey)), kid: signer.kid, alg: 'ES256', use: 'sig' };
const eventOptions = { issuer: ISSUER, audience: [AUDIENCE], signer };
const connection = new KafkaConnection(
  { brokers: brokers.split(','), clientId: `cold-start-bench-${run}` },
  process.env.BENCH_TRACE ? traceLogger() : undefined,
);
const producer = new EventProducer(connection);

function revocation(prefix, i, nowS, lifetimeS = 3600) {
  return { target: { type: 'jti', value: `${prefix}-${i}-${run}` }, revokedAt: nowS, expiresAt: nowS + lifetimeS };
}

/** `count` revocations; `expired`: issued a week ago, expired long since (history a consumer must not pay for). */
async function fillRevocationsTopic(topic, count, expired = false) {
  const nowS = Math.floor(Date.now() / 1000) - (expired ? 7 * 24 * 3600 : 0);
  const started = performance.now();
  for (let first = 0; first < count; first += SEND_BATCH) {
    const records = [];
    for (let i = first; i < Math.min(count, first + SEND_BATCH); i += 1) {
      const r = revocation(expired ? 'expired' : 'topic', i, nowS, expired ? 300 : 3600);
      records.push({ key: revocationRecordKey(r.target), value: await encodeRevocationEvent(r, eventOptions) });
    }
    await producer.send(topic, records);
  }
  return performance.now() - started;
}

async function heartbeat(topic, sequence) {
  const value = await encodeHeartbeatEvent({ instance: run, sequence, intervalSeconds: 5 }, eventOptions);
  await producer.send(topic, [{ key: 'heartbeat', value }]);
}

/** A snapshot of `count` revocations covering `revocationsTopic` up to its current end, published to `topic`. */
async function publishSnapshot(topic, revocationsTopic, count, prefix) {
  const nowS = Math.floor(Date.now() / 1000);
  const offsets = await fetchTopicEndOffsets(connection, revocationsTopic);
  const revocations = {
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i += 1) yield revocation(prefix, i, nowS);
    },
  };
  const started = performance.now();
  const { chunks, manifest } = await encodeRevocationSnapshot(
    { id: randomUUID(), topic: revocationsTopic, slot: 0, offsets, revocations },
    eventOptions,
  );
  const encodeMs = performance.now() - started;
  for (const [index, value] of chunks.entries()) {
    await producer.send(topic, [{ key: snapshotChunkRecordKey(0, index), value }]);
  }
  await producer.send(topic, [{ key: SNAPSHOT_MANIFEST_RECORD_KEY, value: manifest }]);
  return { chunks: chunks.length, bytes: chunks.reduce((total, chunk) => total + chunk.length, 0), encodeMs };
}

/** BENCH_TRACE=1: the resource server's and readers' log lines, with the milliseconds since the variant started. */
function traceLogger() {
  const line = (level) => (msg, fields) =>
    console.log(`+${Math.round(performance.now() - traceStart)} ms ${level} ${msg}`, JSON.stringify(fields ?? {}));
  return { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') };
}

/** Starts a resource server and times it to ready; checks the index holds `expectedEntries`. */
async function coldStart(variant, topics, expectedEntries) {
  const server = new ResourceServer(
    {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      loadKeys: async () => [jwk],
      topics,
      groupIdPrefix: `cold-start-bench-${run}`,
      maxStalenessSeconds: 3600,
      maxRevocationEntries: 10_000_000,
    },
    new KafkaEventSource(connection),
    process.env.BENCH_TRACE ? traceLogger() : undefined,
  );
  const started = performance.now();
  traceStart = started;
  const cpuBefore = process.cpuUsage();
  server.start();
  await server.whenCaughtUp();
  while (!server.ready) await new Promise((resolve) => setTimeout(resolve, 5));
  const readyMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const status = server.status();
  await server.stop();
  if (status.revocations.entries < expectedEntries) {
    throw new Error(`${variant}: ${status.revocations.entries} entries, expected ${expectedEntries}`);
  }
  return {
    variant,
    entries: status.revocations.entries,
    'ready s': Number((readyMs / 1000).toFixed(2)),
    'cpu s': Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    'events verified': status.revocations.applied,
    'events skipped': status.revocations.skipped,
    'snapshot chunks': status.revocations.snapshot?.chunks ?? 0,
  };
}

try {
  await producer.connect();
  const names = {
    revocationsTopic: `bench.revocations.${run}`,
    keysTopic: `bench.keys.${run}`,
    revocationSnapshotsTopic: `bench.snapshots.${run}`,
  };
  const bigSnapshots = `bench.snapshots-big.${run}`;
  const expiredTopic = `bench.revocations-expired.${run}`;
  await ensureTopics(connection, [
    ...topicSpecs({ revocationRetentionMs: 7 * 24 * 3600 * 1000, ...names }),
    ...topicSpecs({ revocationRetentionMs: 8 * 24 * 3600 * 1000, revocationsTopic: expiredTopic }).slice(0, 1),
    ...topicSpecs({ revocationRetentionMs: 1000, revocationSnapshotsTopic: bigSnapshots }).slice(2),
  ]);
  const fillMs = await fillRevocationsTopic(names.revocationsTopic, TOPIC_REVOCATIONS);
  const snapshot = await publishSnapshot(
    names.revocationSnapshotsTopic,
    names.revocationsTopic,
    TOPIC_REVOCATIONS,
    'topic',
  );
  const big =
    SNAPSHOT_REVOCATIONS > 0
      ? await publishSnapshot(bigSnapshots, names.revocationsTopic, SNAPSHOT_REVOCATIONS, 'big')
      : undefined;
  // After the snapshots' offsets: a consumer starting there is fresh at once.
  await heartbeat(names.revocationsTopic, 0);
  if (EXPIRED_REVOCATIONS > 0) {
    await fillRevocationsTopic(expiredTopic, EXPIRED_REVOCATIONS, true);
    await heartbeat(expiredTopic, 0);
  }
  const topics = { revocations: names.revocationsTopic, keys: names.keysTopic };

  const results = [
    await coldStart('full topic', { ...topics, revocationSnapshots: false }, TOPIC_REVOCATIONS),
    await coldStart('snapshot', { ...topics, revocationSnapshots: names.revocationSnapshotsTopic }, TOPIC_REVOCATIONS),
  ];
  if (big !== undefined) {
    results.push(
      await coldStart('snapshot, big', { ...topics, revocationSnapshots: bigSnapshots }, SNAPSHOT_REVOCATIONS),
    );
  }
  if (EXPIRED_REVOCATIONS > 0) {
    results.push(await coldStart('expired', { ...topics, revocations: expiredTopic, revocationSnapshots: false }, 0));
  }
  console.table(results);
  const full = results[0];
  const extrapolated =
    big !== undefined && TOPIC_REVOCATIONS < SNAPSHOT_REVOCATIONS
      ? {
          entries: SNAPSHOT_REVOCATIONS,
          readySeconds: Number(((full['ready s'] * SNAPSHOT_REVOCATIONS) / TOPIC_REVOCATIONS).toFixed(1)),
          note: `EXTRAPOLATED linearly from the full-topic run at ${TOPIC_REVOCATIONS} events, not measured`,
        }
      : undefined;
  if (extrapolated)
    console.log(`full topic at ${SNAPSHOT_REVOCATIONS}: ~${extrapolated.readySeconds} s (${extrapolated.note})`);
  const report = {
    bench: 'cold-start',
    topicRevocations: TOPIC_REVOCATIONS,
    snapshotRevocations: SNAPSHOT_REVOCATIONS,
    expiredRevocations: EXPIRED_REVOCATIONS,
    fillSeconds: Number((fillMs / 1000).toFixed(1)),
    snapshot: {
      chunks: snapshot.chunks,
      bytes: snapshot.bytes,
      encodeSeconds: Number((snapshot.encodeMs / 1000).toFixed(2)),
    },
    bigSnapshot: big && {
      chunks: big.chunks,
      bytes: big.bytes,
      encodeSeconds: Number((big.encodeMs / 1000).toFixed(2)),
    },
    results,
    fullTopicExtrapolated: extrapolated,
  };
  console.log(`BENCH ${JSON.stringify(report)}`);
} finally {
  await producer.disconnect();
  await broker?.stop();
}
