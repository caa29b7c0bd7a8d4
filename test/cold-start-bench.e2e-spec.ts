import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { ensureBuilt, spawnNodeProcess, type ChildService } from './support/built-service.js';

/**
 * Smoke test of `npm run bench:cold-start` (benchmarks are not tests: this keeps the bench working, it does not judge
 * its figures): a tiny run against the e2e broker, on topics of its own, must finish and print one `BENCH` line with
 * the four variants, each with every revocation in its index, the snapshot variants having verified the snapshot
 * instead of the events, the expired one having verified none of its expired revocations.
 */
const TOPIC_REVOCATIONS = 300;
const SNAPSHOT_REVOCATIONS = 3000;
const EXPIRED_REVOCATIONS = 200;

let bench: ChildService | undefined;

afterAll(async () => {
  await bench?.kill('SIGTERM');
});

interface ColdStartResult {
  variant: string;
  entries: number;
  'ready s': number;
  'events verified': number;
  'events skipped': number;
  'snapshot chunks': number;
}

describe('bench/cold-start.bench.mjs', () => {
  it('times a start from the whole topic, from snapshots and past expired history, and prints a BENCH line', async () => {
    ensureBuilt();
    bench = spawnNodeProcess(join(REPO_ROOT, 'bench', 'cold-start.bench.mjs'), {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        BENCH_TOPIC_REVOCATIONS: String(TOPIC_REVOCATIONS),
        BENCH_SNAPSHOT_REVOCATIONS: String(SNAPSHOT_REVOCATIONS),
        BENCH_EXPIRED_REVOCATIONS: String(EXPIRED_REVOCATIONS),
      },
    });
    const { code } = await bench.exited;
    const output = bench.lines.join('\n');
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const line = bench.lines.find((candidate) => candidate.startsWith('BENCH '));
    const report = JSON.parse(line!.slice('BENCH '.length)) as {
      results: ColdStartResult[];
      fullTopicExtrapolated?: { note: string };
    };
    const [full, snapshot, big, expired] = report.results;
    expect(report.results.map((r) => r.variant)).toEqual(['full topic', 'snapshot', 'snapshot, big', 'expired']);
    expect(full).toMatchObject({ entries: TOPIC_REVOCATIONS, 'snapshot chunks': 0 });
    expect(full['events verified']).toBeGreaterThanOrEqual(TOPIC_REVOCATIONS);
    expect(snapshot).toMatchObject({ entries: TOPIC_REVOCATIONS, 'events verified': 1 });
    expect(big).toMatchObject({ entries: SNAPSHOT_REVOCATIONS, 'events verified': 1 });
    expect(big['snapshot chunks']).toBeGreaterThan(0);
    // Expired history: peeked at and skipped, only the heartbeat verified.
    expect(expired).toMatchObject({ entries: 0, 'events verified': 1, 'events skipped': EXPIRED_REVOCATIONS });
    expect(report.fullTopicExtrapolated?.note).toMatch(/^EXTRAPOLATED/);
  }, 300_000);
});
