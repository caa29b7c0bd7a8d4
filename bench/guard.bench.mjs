#!/usr/bin/env node
/**
 * Guard hot-path benchmark against its peers, side by side in one run on the same app: the guard bench app
 * (bench/apps/guards, built to dist/) serves one route per guard, `GET /<variant>/orders`, with orders' shape
 * (AuthModule, the same ValidationPipe, request logging, security headers), once on Fastify and once on Express,
 * fed by a real auth-service and a real Kafka broker. Variants:
 * - no guard: `none`;
 * - ours fresh: a new token on every request (a pool of client_credentials tokens issued beforehand, each sent once
 *   per app: every request a verified-token cache miss, the full verification plus the cache insert);
 * - ours repeated: one token on every request (cache hits after the first);
 * - passport-jwt standard setup: `AuthGuard('jwt')`, passport-jwt with `secretOrKey` = the issuer key's PEM string;
 * - jose guard: a custom guard on jose `jwtVerify` with a local JWKS;
 * - floor: a minimal guard on node:crypto (`crypto.verify` with a KeyObject, `JSON.parse`, `exp`).
 * Every variant sends the same number of requests per round with a bearer token of the same size (see
 * {@link measureAdapter}): a duration run against an amount run would compare their tails, not their guards.
 *
 * The variants are interleaved (rounds of every variant one after the other, each round starting at another one)
 * and each figure is the median over the rounds, so the machine's noise hits all alike; nothing is pinned. Reports
 * per variant req/s, latency p50/p99 and the server's CPU µs/request (user+sys of the app process, all its threads,
 * from /proc/<pid>/stat up to the last answer, divided by requests) and the machine's CPU steal in the worst round,
 * then the issue's ratios against their targets and two references between the peers (jose guard vs floor, no guard
 * vs passport-jwt); a table, then one line `BENCH {json}` with every figure.
 *
 *   npm run bench:guard                       # builds, then measures with the defaults
 *   node bench/guard.bench.mjs --quick        # the smoke test's run: every step, figures not meaningful
 *
 * Variables (defaults; `--quick` ones in brackets): BENCH_ROUNDS (3 [1]), BENCH_REQUESTS_PER_ROUND (6,000 [60])
 * per variant, round and app, BENCH_WARMUP_SECONDS (2 [0.5]) per variant, BENCH_FRESH_WARMUP_TOKENS (1,000 [20]),
 * BENCH_CONNECTIONS (32 [2]), BENCH_LOG_LEVEL (`warn`: at `info` each answer writes a pino-pretty line, which costs
 * more than the guard and is the same in every variant), and BENCH_CPU_PROFILE_DIR (off): the apps run under
 * `node --cpu-prof` and write their profiles there at exit (read them with bench/cpu-profile-summary.mjs); to
 * profile one variant, BENCH_VARIANTS (comma list of `noGuard`, `oursFresh`, `oursRepeated`, `passport`, `jose`,
 * `floor`: only those run, no ratios) and BENCH_ADAPTERS (`fastify`, `express`). Uses
 * KAFKA_BROKERS when set, else starts the built-in broker (tools/kafka/broker.mjs).
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import {
  benchAuthEnv,
  freePort,
  interleaved,
  issueTokens,
  kafkaBrokers,
  measure,
  printBenchLine,
  QUICK,
  ratio,
  runBench,
  setting,
  startApp,
  startScript,
  target,
  waitUntilOk,
} from './support.mjs';

const ROUNDS = setting('BENCH_ROUNDS', 3, 1);
const WARMUP_SECONDS = setting('BENCH_WARMUP_SECONDS', 2, 0.5);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 32, 2);
const REQUESTS_PER_ROUND = setting('BENCH_REQUESTS_PER_ROUND', 6_000, 60);
const FRESH_WARMUP_TOKENS = setting('BENCH_FRESH_WARMUP_TOKENS', 1_000, 20);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const ONLY_VARIANTS = process.env.BENCH_VARIANTS?.split(',');
const ONLY_ADAPTERS = process.env.BENCH_ADAPTERS?.split(',');

/** The adapters, with the targets of the issue that differ between them. */
const ADAPTERS = [
  { name: 'fastify', label: 'Fastify', repeatedVsNoGuard: 0.8 },
  { name: 'express', label: 'Express', repeatedVsNoGuard: 0.95 },
];
const VARIANTS = {
  noGuard: { label: 'no guard', route: 'none' },
  oursFresh: { label: 'ours, fresh token', route: 'ours' },
  oursRepeated: { label: 'ours, repeated token', route: 'ours' },
  passport: { label: 'passport-jwt standard setup', route: 'passport' },
  jose: { label: 'jose jwtVerify guard', route: 'jose' },
  floor: { label: 'floor (node:crypto)', route: 'floor' },
};

/**
 * Autocannon options that send `tokens[i]` as the bearer token of the i-th request, each once, in order:
 * autocannon builds a connection's first request up front and rebuilds one per later request through
 * `setupRequest`. `check()` throws after the run if the list ran dry (for ours fresh a token sent twice would be a
 * cache hit: the figure would be void).
 */
function onePerRequest(tokens) {
  let next = 0;
  return {
    amount: tokens.length - CONNECTIONS,
    requests: [
      {
        setupRequest: (request) => {
          const token = tokens[Math.min(next, tokens.length - 1)];
          next += 1;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
    check: () => {
      if (next > tokens.length) throw new Error(`token list ran dry (${next} requests, ${tokens.length} tokens)`);
    },
  };
}

async function send(name, app, url, tokens) {
  const { check, ...load } = onePerRequest(tokens);
  const figures = await measure(name, app.pid, { url, connections: CONNECTIONS, ...load });
  check();
  return figures;
}

/**
 * Every variant is measured the same way, so that only the guard differs: the same number of requests per round
 * (autocannon `amount`, not a duration: the fresh variant has a token pool), each with a bearer token of the same
 * size. Ours fresh, passport, jose and the floor take the round's pool (the peers keep no cache, so it is fresh to
 * them too, and the pool serves all of them); no guard takes it too (the header is ignored); ours repeated takes
 * the one repeated token as often.
 */
async function measureAdapter(app, pool) {
  const url = (route) => `${app.url}/${route}/orders`;
  const bearer = { authorization: `Bearer ${pool.repeated}` };
  // Warm-up (JIT, connections, the repeated token's cache entry), not measured.
  for (const { route } of Object.values(VARIANTS)) {
    await autocannon({ url: url(route), headers: bearer, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  }
  await send(`${app.name} fresh warm-up`, app, url('ours'), pool.warmup);
  const repeated = new Array(REQUESTS_PER_ROUND).fill(pool.repeated);
  const variants = {
    noGuard: (round) => send(`${app.name} no guard`, app, url('none'), pool.rounds[round]),
    oursFresh: (round) => send(`${app.name} ours fresh`, app, url('ours'), pool.rounds[round]),
    oursRepeated: () => send(`${app.name} ours repeated`, app, url('ours'), repeated),
    passport: (round) => send(`${app.name} passport`, app, url('passport'), pool.rounds[round]),
    jose: (round) => send(`${app.name} jose`, app, url('jose'), pool.rounds[round]),
    floor: (round) => send(`${app.name} floor`, app, url('floor'), pool.rounds[round]),
  };
  return interleaved(
    ROUNDS,
    Object.fromEntries(Object.entries(variants).filter(([name]) => ONLY_VARIANTS?.includes(name) ?? true)),
  );
}

function ratiosOf(adapter, figures) {
  if (ONLY_VARIANTS !== undefined) return {};
  return {
    freshCpuVsFloor: target(ratio(figures.oursFresh.cpuUsPerReq, figures.floor.cpuUsPerReq), 1.05, { atMost: true }),
    freshReqPerSecVsJose: target(ratio(figures.oursFresh.reqPerSec, figures.jose.reqPerSec), 1),
    repeatedVsNoGuardReqPerSec: target(
      ratio(figures.oursRepeated.reqPerSec, figures.noGuard.reqPerSec),
      adapter.repeatedVsNoGuard,
    ),
    freshVsPassportReqPerSec: target(ratio(figures.oursFresh.reqPerSec, figures.passport.reqPerSec), 2.5),
    repeatedVsPassportReqPerSec: target(ratio(figures.oursRepeated.reqPerSec, figures.passport.reqPerSec), 10),
  };
}

/**
 * Peers against each other, no target of ours: how far the jose guard itself is from the floor (jose verifies
 * through WebCrypto, the floor with one synchronous `crypto.verify`) and how far no guard at all is from passport-jwt
 * (no guard bounds what any guard's cache hit can reach).
 */
function referencesOf(figures) {
  if (ONLY_VARIANTS !== undefined) return {};
  return {
    joseCpuVsFloor: ratio(figures.jose.cpuUsPerReq, figures.floor.cpuUsPerReq),
    noGuardVsPassportReqPerSec: ratio(figures.noGuard.reqPerSec, figures.passport.reqPerSec),
  };
}

/** The guard table's rows (one per adapter and variant), for this script and the umbrella. */
export function guardTableRows(result) {
  return Object.entries(result.adapters).flatMap(([, { label, variants }]) =>
    Object.entries(variants).map(([variant, figures]) => ({
      adapter: label,
      variant: VARIANTS[variant].label,
      'req/s': figures.reqPerSec,
      'p50 ms': figures.p50Ms,
      'p99 ms': figures.p99Ms,
      'server CPU µs/req': figures.cpuUsPerReq,
      'steal % (worst round)': figures.stealPercentMax,
    })),
  );
}

/** The ratio lines (`value (target, met)`, then the peers' references), for this script and the umbrella. */
export function guardRatioLines(result) {
  return Object.values(result.adapters).map(
    ({ label, ratios, references }) =>
      `${label}: ` +
      Object.entries(ratios)
        .map(([name, { value, target: bound, met }]) => `${name} ${value}× (${bound}${met ? '' : ', MISSED'})`)
        .concat(Object.entries(references).map(([name, value]) => `${name} ${value}× (reference)`))
        .join('; '),
  );
}

async function startGuardsApp(adapter, env) {
  const port = await freePort();
  const args = CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [];
  const child = startScript(
    'dist/bench/apps/guards/main.js',
    { ...env, GUARDS_ADAPTER: adapter.name, GUARDS_PORT: String(port) },
    { args },
  );
  return { ...adapter, pid: child.pid, url: `http://127.0.0.1:${port}` };
}

async function main() {
  const brokers = await kafkaBrokers();
  const authPort = await freePort();
  const issuer = `http://127.0.0.1:${authPort}`;
  startApp('auth-service', benchAuthEnv({ port: authPort, issuer, brokers, logLevel: LOG_LEVEL }));
  await waitUntilOk(`${issuer}/health/ready`);
  const env = {
    GUARDS_ISSUER: issuer,
    GUARDS_LOG_LEVEL: LOG_LEVEL,
    KAFKA_BROKERS: brokers,
  };
  const apps = [];
  for (const adapter of ADAPTERS.filter(({ name }) => ONLY_ADAPTERS?.includes(name) ?? true)) {
    apps.push(await startGuardsApp(adapter, env));
  }
  for (const app of apps) await waitUntilOk(`${app.url}/health/ready`);

  const issueStarted = performance.now();
  // Each app keeps its own cache: one pool serves both, every token fresh at each.
  const count = 1 + FRESH_WARMUP_TOKENS + ROUNDS * REQUESTS_PER_ROUND;
  const tokens = await issueTokens(issuer, count);
  const pool = {
    repeated: tokens[0],
    warmup: tokens.slice(1, 1 + FRESH_WARMUP_TOKENS),
    rounds: Array.from({ length: ROUNDS }, (_, round) =>
      tokens.slice(
        1 + FRESH_WARMUP_TOKENS + round * REQUESTS_PER_ROUND,
        1 + FRESH_WARMUP_TOKENS + (round + 1) * REQUESTS_PER_ROUND,
      ),
    ),
  };
  console.error(`issued ${count} tokens in ${((performance.now() - issueStarted) / 1000).toFixed(1)} s`);

  const adapters = {};
  for (const app of apps) {
    const variants = await measureAdapter(app, pool);
    adapters[app.name] = {
      label: app.label,
      variants,
      ratios: ratiosOf(app, variants),
      references: referencesOf(variants),
    };
  }
  const result = {
    bench: 'guard',
    quick: QUICK,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    requestsPerRound: REQUESTS_PER_ROUND,
    logLevel: LOG_LEVEL,
    node: process.version,
    adapters,
  };
  console.log(
    `\n${CONNECTIONS} connections, ${ROUNDS} interleaved rounds (medians), ${REQUESTS_PER_ROUND} requests per ` +
      `variant and round, Node ${process.version}`,
  );
  console.table(guardTableRows(result));
  for (const line of guardRatioLines(result)) console.log(line);
  printBenchLine(result);
}

if (import.meta.url === `file://${process.argv[1]}`) runBench(main);
