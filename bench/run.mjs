#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in one run, each as a child process of its own (bench/<name>.bench.mjs, those
 * present), on one Kafka broker (KAFKA_BROKERS, else the built-in one started here): the guard and its peers on
 * Fastify and Express, the token endpoint, and propagation, cold start and the revocation index when their scripts
 * exist. Prints ONE table, the ratio lines against the targets, then one line `BENCH {json}` with every
 * figure of every bench (their own BENCH lines, by name). Benchmarks are not tests: a figure that misses its target
 * is reported, not failed; a bench that fails makes the run exit 1.
 *
 *   npm run bench                              # builds, then runs everything with the defaults
 *   node bench/run.mjs --quick                 # the smoke test's run: every step, figures not meaningful
 *   node bench/run.mjs --only guard,token-endpoint
 *
 * Each script takes its own BENCH_* variables (see its header); `--quick` is passed on (see BENCHES).
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { guardRatioLines, guardTableRows } from './guard.bench.mjs';
import {
  kafkaBrokers,
  machineTicks,
  parseBenchLine,
  printBenchLine,
  QUICK,
  ROOT,
  runBench,
  stealPercentSince,
} from './support.mjs';
import { tokenTableRows } from './token-endpoint.bench.mjs';

/**
 * The benches in the order they run: `nodeArgs` go before the script (as its npm script has them); under `--quick`
 * a script that takes `--quick` gets it, and one that does not (it may refuse unknown flags) gets `quickEnv`, the
 * sizes its own smoke test uses.
 */
const BENCHES = {
  guard: { takesQuick: true },
  'token-endpoint': { takesQuick: true },
  propagation: { quickEnv: { BENCH_REVOCATIONS: '5', BENCH_WARMUP: '1' } },
  'cold-start': {
    nodeArgs: ['--max-old-space-size=4096'],
    quickEnv: { BENCH_TOPIC_REVOCATIONS: '300', BENCH_SNAPSHOT_REVOCATIONS: '3000', BENCH_EXPIRED_REVOCATIONS: '200' },
  },
  'revocation-index': {
    nodeArgs: ['--expose-gc'],
    quickEnv: { BENCH_SIZES: '10000', BENCH_PROBES: '10000' },
  },
};
/** Above this CPU steal a bench measured a machine shared with busier neighbours than usual (a few % is normal). */
const CONTENDED_STEAL_PERCENT = 5;
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt === -1 ? undefined : process.argv[onlyAt + 1]?.split(',');

/** Runs one bench script to its end; its stdout is kept (for its BENCH line), its stderr passed through. */
function runScript(name, env) {
  const { nodeArgs = [], quickEnv = {}, takesQuick = false } = BENCHES[name];
  const script = join('bench', `${name}.bench.mjs`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...(QUICK && takesQuick ? ['--quick'] : [])], {
      cwd: ROOT,
      env: { ...process.env, ...(QUICK ? quickEnv : {}), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Rows for a bench this file knows no table of: each numeric figure of its BENCH json by its path. */
function figureRows(name, value, path = []) {
  if (typeof value === 'number' && path.length > 0) return [{ adapter: name, variant: path.join('.'), value }];
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value.rows)) return value.rows.map((row) => ({ adapter: name, ...row }));
  return Object.entries(value).flatMap(([key, inner]) => figureRows(name, inner, [...path, key]));
}

function indexRows(result) {
  return result.index.map((row) => ({
    adapter: 'revocation index',
    variant: `${row.variant}, ${row.entries} entries`,
    'B/entry': row.bytesPerEntry,
    'lookup p99 ns (hit / miss)': `${row.hitP99Ns} / ${row.missP99Ns}`,
    'false positives': row.falsePositives,
  }));
}

function tableRows(name, result) {
  if (name === 'guard') return guardTableRows(result);
  if (name === 'token-endpoint') return tokenTableRows(result);
  if (name === 'revocation-index' && Array.isArray(result.index)) return indexRows(result);
  return figureRows(name, result);
}

/** Every `{ value, target, met }` of a result, by its path, as `path value× (target)`. */
function targetLines(name, value, path = []) {
  if (value === null || typeof value !== 'object') return [];
  if ('target' in value && 'met' in value && 'value' in value) {
    return [`${name} ${path.join('.')}: ${value.value} (${value.target}${value.met ? '' : ', MISSED'})`];
  }
  return Object.entries(value).flatMap(([key, inner]) => targetLines(name, inner, [...path, key]));
}

async function main() {
  const brokers = await kafkaBrokers();
  const present = Object.keys(BENCHES).filter((name) => existsSync(join(ROOT, 'bench', `${name}.bench.mjs`)));
  const selected = ONLY === undefined ? present : present.filter((name) => ONLY.includes(name));
  const results = {};
  const stealPercent = {};
  const failed = [];
  for (const name of selected) {
    console.error(`bench: ${name}${QUICK ? ' (quick)' : ''}`);
    const machineBefore = machineTicks();
    const { code, output } = await runScript(name, { KAFKA_BROKERS: brokers });
    stealPercent[name] = stealPercentSince(machineBefore);
    const result = parseBenchLine(output);
    if (code !== 0 || result === undefined) {
      failed.push(name);
      console.error(`bench ${name} failed (exit ${code}):\n${output}`);
      continue;
    }
    results[name] = result;
  }
  console.log(`\nnpm run bench${QUICK ? ' --quick' : ''}: ${Object.keys(results).join(', ')}; Node ${process.version}`);
  console.table(Object.entries(results).flatMap(([name, result]) => tableRows(name, result)));
  if (results.guard) for (const line of guardRatioLines(results.guard)) console.log(line);
  for (const [name, result] of Object.entries(results)) {
    if (name !== 'guard') for (const line of targetLines(name, result)) console.log(line);
  }
  console.log(
    `CPU steal (share of the machine's CPU time given to other VMs) per bench: ${JSON.stringify(stealPercent)}`,
  );
  if (Object.values(stealPercent).some((percent) => percent > CONTENDED_STEAL_PERCENT)) {
    console.log(
      `over ${CONTENDED_STEAL_PERCENT}% somewhere: the machine was contended, compare figures of a quieter run`,
    );
  }
  printBenchLine({ bench: 'all', quick: QUICK, node: process.version, failed, stealPercent, results });
  if (failed.length > 0) throw new Error(`benches failed: ${failed.join(', ')}`);
}

runBench(main);
