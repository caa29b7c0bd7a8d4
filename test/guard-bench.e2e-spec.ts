import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { ensureBuilt, spawnNodeProcess, type ChildService } from './support/built-service.js';
import { uniqueKafkaSetup } from './support/services.js';

/**
 * Smoke test of `npm run bench` (benchmarks are not tests: CI runs this to keep the bench working, not to judge its
 * figures): `bench/run.mjs --quick` on the guard and token-endpoint benches, against the e2e broker on topics of its
 * own, must finish and print one `BENCH` line with every variant of the guard on both adapters (the fresh variant
 * having sent exactly the tokens it was given, less one per connection), the token endpoint's two variants and
 * every ratio against its target.
 */
const QUICK_FRESH_PER_ROUND = 60;
const QUICK_CONNECTIONS = 2;
const GUARD_VARIANTS = ['noGuard', 'oursFresh', 'oursRepeated', 'passport', 'jose', 'floor'];
const GUARD_RATIOS = [
  'freshCpuVsFloor',
  'freshReqPerSecVsJose',
  'repeatedVsNoGuardReqPerSec',
  'freshVsPassportReqPerSec',
  'repeatedVsPassportReqPerSec',
];
const GUARD_REFERENCES = ['joseCpuVsFloor', 'noGuardVsPassportReqPerSec'];

interface Figures {
  reqPerSec: number;
  requests: number;
  cpuUsPerReq: number;
  stealPercentMax: number;
}
interface Target {
  value: number;
  target: string;
  met: boolean;
}

let bench: ChildService | undefined;

afterAll(async () => {
  await bench?.kill('SIGTERM');
});

describe('bench/run.mjs --quick', () => {
  it('runs the guard variants on both adapters and the token endpoint, and prints one BENCH line', async () => {
    ensureBuilt();
    const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
    const topics = Object.fromEntries(
      ['AUTH', 'GUARDS'].flatMap((prefix) => [
        [`${prefix}_REVOCATIONS_TOPIC`, kafka.revocationsTopic],
        [`${prefix}_KEYS_TOPIC`, kafka.keysTopic],
      ]),
    );
    bench = spawnNodeProcess(join(REPO_ROOT, 'bench', 'run.mjs'), {
      cwd: REPO_ROOT,
      env: { ...process.env, ...topics, NODE_OPTIONS: '', KAFKA_BROKERS: kafka.brokers },
      args: ['--quick', '--only', 'guard,token-endpoint'],
    });
    const { code } = await bench.exited;
    const output = bench.lines.join('\n');
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const lines = bench.lines.filter((candidate) => candidate.startsWith('BENCH '));
    expect(lines).toHaveLength(1);
    const { results, stealPercent } = JSON.parse(lines[0]!.slice('BENCH '.length)) as {
      stealPercent: Record<string, number>;
      results: {
        guard: {
          adapters: Record<
            string,
            { variants: Record<string, Figures>; ratios: Record<string, Target>; references: Record<string, number> }
          >;
        };
        'token-endpoint': { variants: Record<string, Figures>; ratios: Record<string, Target> };
      };
    };
    expect(Object.keys(stealPercent)).toEqual(['guard', 'token-endpoint']);
    expect(Object.keys(results.guard.adapters)).toEqual(['fastify', 'express']);
    for (const { variants, ratios, references } of Object.values(results.guard.adapters)) {
      expect(Object.keys(variants)).toEqual(GUARD_VARIANTS);
      for (const figures of Object.values(variants)) {
        expect(figures.reqPerSec).toBeGreaterThan(0);
        expect(figures.cpuUsPerReq).toBeGreaterThanOrEqual(0);
        expect(figures.stealPercentMax).toBeGreaterThanOrEqual(0);
        expect(figures.stealPercentMax).toBeLessThanOrEqual(100);
      }
      expect(variants.oursFresh!.requests).toBe(QUICK_FRESH_PER_ROUND - QUICK_CONNECTIONS);
      expect(Object.keys(ratios)).toEqual(GUARD_RATIOS);
      expect(Object.keys(references)).toEqual(GUARD_REFERENCES);
      for (const reference of Object.values(references)) expect(reference).toBeGreaterThan(0);
    }
    const token = results['token-endpoint'];
    expect(Object.keys(token.variants)).toEqual(['emptyRoute', 'clientCredentials']);
    expect(token.variants.clientCredentials!.reqPerSec).toBeGreaterThan(0);
    expect(token.ratios.clientCredentialsVsEmptyRouteReqPerSec!.value).toBeGreaterThan(0);
  }, 120_000);
});
