/**
 * jest globalTeardown of the e2e project: stops the broker that global-setup.mjs started (if it started one)
 * and removes its temporary data dir, unless `KAFKA_KEEP_DATA=1` (to read `<dataDir>/broker.log` after a failure).
 *
 * @example
 * KAFKA_KEEP_DATA=1 npm test   // keeps the e2e broker's data dir and log
 */
import { rm } from 'node:fs/promises';
import { E2E_BROKER_KEY } from './global-setup.mjs';

export default async function globalTeardown() {
  const broker = globalThis[E2E_BROKER_KEY];
  if (!broker) return;
  delete globalThis[E2E_BROKER_KEY];
  const startedAt = Date.now();
  await broker.stop();
  if (process.env.KAFKA_KEEP_DATA === '1') {
    process.stderr.write(`e2e: Kafka broker stopped in ${Date.now() - startedAt} ms; data kept in ${broker.dataDir}\n`);
    return;
  }
  await rm(broker.dataDir, { recursive: true, force: true });
  process.stderr.write(`e2e: Kafka broker stopped in ${Date.now() - startedAt} ms\n`);
}
