import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { ensureBuilt, spawnNodeProcess, type ChildService } from './support/built-service.js';

/**
 * Smoke test of `npm run bench:propagation` (benchmarks are not tests: this keeps the bench working, it does not
 * judge its figures): a tiny run against the e2e broker (the bench makes topics of its own) must finish and print one
 * `BENCH` line with the first revocation, both services' figures over every revocation and every stage of each.
 */
const REVOCATIONS = 5;

let bench: ChildService | undefined;

afterAll(async () => {
  await bench?.kill('SIGTERM');
});

describe('bench/propagation.bench.mjs', () => {
  it('measures the first revocation and a few more at both services, with every stage, and prints a BENCH line', async () => {
    ensureBuilt();
    bench = spawnNodeProcess(join(REPO_ROOT, 'bench', 'propagation.bench.mjs'), {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        BENCH_REVOCATIONS: String(REVOCATIONS),
        BENCH_WARMUP: '1',
      },
    });
    const { code } = await bench.exited;
    const benchLine = bench.lines.find((candidate) => candidate.startsWith('BENCH '));
    expect({ code, output: code === 0 ? '' : bench.lines.join('\n') }).toEqual({ code: 0, output: '' });
    const result = JSON.parse(benchLine!.slice('BENCH '.length)) as {
      firstRevocation: Record<string, { ms: number }>;
      services: Record<string, { n: number; p50: number }>;
      stages: Record<string, { n: number }>;
      stagesMissing: number;
    };
    expect(Object.keys(result.firstRevocation)).toEqual(['orders', 'billing']);
    expect(Object.keys(result.services)).toEqual(['orders', 'billing']);
    for (const service of Object.values(result.services)) expect(service.n).toBe(REVOCATIONS);
    expect(result.stagesMissing).toBe(0);
    for (const stage of ['commit→read', 'read→acked', 'acked→received orders', 'received→verified billing']) {
      expect(result.stages[stage]?.n).toBe(REVOCATIONS);
    }
  }, 300_000);
});
