import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { ensureBuilt, spawnNodeProcess, type ChildService } from './support/built-service.js';

/**
 * Smoke test of `npm run bench:index` (benchmarks are not tests: this keeps the bench working, it does not judge
 * its figures): a tiny run must finish and print one `BENCH` line with both variants at the size asked, no false
 * positive among the probes.
 */
const ENTRIES = 2000;

let bench: ChildService | undefined;

afterAll(async () => {
  await bench?.kill('SIGTERM');
});

describe('bench/revocation-index.bench.mjs', () => {
  it('measures the Map baseline and the UUID table side by side and prints a BENCH line', async () => {
    ensureBuilt();
    bench = spawnNodeProcess(join(REPO_ROOT, 'bench', 'revocation-index.bench.mjs'), {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: '--expose-gc', BENCH_SIZES: String(ENTRIES), BENCH_PROBES: '2000' },
    });
    const { code } = await bench.exited;
    const output = bench.lines.join('\n');
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const line = bench.lines.find((candidate) => candidate.startsWith('BENCH '));
    const result = JSON.parse(line!.slice('BENCH '.length)) as {
      index: { variant: string; entries: number; bytesPerEntry: number; falsePositives: number; missProbes: number }[];
    };
    expect(result.index.map(({ variant, entries }) => [variant, entries])).toEqual([
      ['Map (before)', ENTRIES],
      ['UUID table (now)', ENTRIES],
    ]);
    for (const variant of result.index) {
      expect(variant).toMatchObject({ falsePositives: 0, missProbes: 2000 });
      expect(Number.isFinite(variant.bytesPerEntry)).toBe(true);
    }
  }, 300_000);
});
