import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { ensureBuilt, spawnNodeProcess, type ChildService } from './support/built-service.js';
import { uniqueKafkaSetup } from './support/services.js';

/**
 * Smoke test of `npm run bench:guard` (benchmarks are not tests: CI runs this to keep the bench working, not to
 * judge its figures): a tiny run against the e2e broker, on topics of its own, must finish and print one `BENCH`
 * line with every variant of both services, the fresh variant having sent exactly the tokens it was given.
 */
const FRESH_TOKENS = 120;
const FRESH_WARMUP_TOKENS = 40;
const CONNECTIONS = 2;

let bench: ChildService | undefined;

afterAll(async () => {
  await bench?.kill('SIGTERM');
});

describe('bench/guard.bench.mjs', () => {
  it('runs no guard, fresh and repeated on both services and prints a BENCH line', async () => {
    ensureBuilt();
    const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
    const topics = Object.fromEntries(
      ['AUTH', 'ORDERS', 'BILLING'].flatMap((prefix) => [
        [`${prefix}_REVOCATIONS_TOPIC`, kafka.revocationsTopic],
        [`${prefix}_KEYS_TOPIC`, kafka.keysTopic],
      ]),
    );
    bench = spawnNodeProcess(join(REPO_ROOT, 'bench', 'guard.bench.mjs'), {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...topics,
        NODE_OPTIONS: '',
        KAFKA_BROKERS: kafka.brokers,
        BENCH_DURATION_SECONDS: '1',
        BENCH_WARMUP_SECONDS: '1',
        BENCH_CONNECTIONS: String(CONNECTIONS),
        BENCH_FRESH_TOKENS: String(FRESH_TOKENS),
        BENCH_FRESH_WARMUP_TOKENS: String(FRESH_WARMUP_TOKENS),
      },
    });
    const { code } = await bench.exited;
    const output = bench.lines.join('\n');
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const line = bench.lines.find((candidate) => candidate.startsWith('BENCH '));
    const result = JSON.parse(line!.slice('BENCH '.length)) as {
      services: Record<string, Record<'noGuard' | 'fresh' | 'repeated', { reqPerSec: number; requests: number }>>;
    };
    expect(Object.keys(result.services)).toEqual(['orders', 'billing']);
    for (const service of Object.values(result.services)) {
      for (const variant of [service.noGuard, service.fresh, service.repeated]) {
        expect(variant.reqPerSec).toBeGreaterThan(0);
      }
      expect(service.fresh.requests).toBe(FRESH_TOKENS - FRESH_WARMUP_TOKENS - CONNECTIONS);
    }
  }, 300_000);
});
