/**
 * jest globalSetup of the e2e project: provides a real Kafka broker for the run.
 * - `KAFKA_BROKERS` set: used as is (an existing broker, e.g. the dev stack's or CI's).
 * - unset: starts the project's own single-node KRaft broker (tools/kafka/broker.mjs) on free ports with a fresh
 *   temporary data dir, exports `KAFKA_BROKERS` (tests run --runInBand in this process) and keeps the handle for
 *   global-teardown.mjs.
 * A test that needs a broker of its own (to stop and restart it) imports `startBroker` from tools/kafka/broker.mjs.
 * Postgres is not started here: apps use `DATABASE_URL` or an embedded pglite.
 *
 * @example
 * // jest.config.js (e2e project)
 * globalSetup: '<rootDir>/test/setup/global-setup.mjs', globalTeardown: '<rootDir>/test/setup/global-teardown.mjs'
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../tools/kafka/broker.mjs';

/** Key on globalThis under which the started broker is handed to global-teardown.mjs. */
export const E2E_BROKER_KEY = Symbol.for('auth-layer.e2e.kafka-broker');

export default async function globalSetup() {
  if (process.env.KAFKA_BROKERS) {
    process.stderr.write(`\ne2e: using the existing Kafka broker KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-layer-e2e-kafka-'));
  const broker = await startBroker({ dataDir });
  process.env.KAFKA_BROKERS = broker.brokers;
  globalThis[E2E_BROKER_KEY] = broker;
  process.stderr.write(
    `\ne2e: started Kafka broker KAFKA_BROKERS=${broker.brokers} in ${broker.startedInMs} ms (log ${broker.logFile})\n`,
  );
}
