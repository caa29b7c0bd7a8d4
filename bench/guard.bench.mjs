#!/usr/bin/env node
/**
 * Guard hot-path benchmark, side by side in one run on the same processes: orders-service (Fastify, `GET /orders`)
 * and billing-service (Express, `GET /invoices`), built from dist/ and fed by a real auth-service and a real Kafka
 * broker. Per service, three variants one right after the other:
 * - no guard: `GET /health` (public route of the same process);
 * - ours fresh: a new token on every request (a pool of client_credentials tokens issued beforehand, each sent once
 *   to each service: every request is a verified-token cache miss, the full verification plus the cache insert);
 * - ours repeated: one token on every request (cache hits after the first).
 *
 * Reports per variant: requests/s, latency p50/p99, and the server's CPU time per request (user+sys of the service
 * process from /proc/<pid>/stat over the measured window, divided by requests), then the ratios repeated vs no
 * guard and fresh vs repeated; a table, then one line `BENCH {json}` with every figure.
 *
 *   npm run bench:guard                       # builds, then measures with the defaults
 *   BENCH_DURATION_SECONDS=20 BENCH_CONNECTIONS=50 npm run bench:guard
 *
 * Variables: BENCH_DURATION_SECONDS (10; no guard and repeated), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (32),
 * BENCH_FRESH_TOKENS (20,000: the fresh variant sends as many requests as the pool holds, less its warm-up and one
 * token per connection), BENCH_FRESH_WARMUP_TOKENS (1,000), BENCH_LOG_LEVEL (`warn`: the services' `<APP>_LOG_LEVEL`;
 * at `info` each answer writes a pino-pretty line in development, which costs more than the guard and is the same in
 * every variant). Tokens live an hour here (`AUTH_ACCESS_TOKEN_TTL_SECONDS`), so the pool outlives a long run. Uses
 * KAFKA_BROKERS when set, else starts the built-in broker (tools/kafka/broker.mjs).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../tools/kafka/broker.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const FRESH_TOKENS = Number(process.env.BENCH_FRESH_TOKENS ?? 20_000);
const FRESH_WARMUP_TOKENS = Number(process.env.BENCH_FRESH_WARMUP_TOKENS ?? 1_000);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
/** Parallel token requests while filling the pool. */
const ISSUE_CONCURRENCY = 16;
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ
const DEMO_CLIENT = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };

const children = [];
let broker;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startApp(name, env) {
  const child = spawn(process.execPath, [`dist/apps/${name}/src/main.js`], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitUntilOk(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
}

function cpuMillis(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After the comm field: utime is field 14 and stime 15 of the full line, i.e. indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

async function issueToken(issuer) {
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CLIENT.id}:${DEMO_CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read billing:read' }),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  return (await response.json()).access_token;
}

async function issueTokens(issuer, count) {
  const tokens = [];
  const worker = async () => {
    while (tokens.length < count) tokens.push(await issueToken(issuer));
  };
  await Promise.all(Array.from({ length: ISSUE_CONCURRENCY }, worker));
  return tokens.slice(0, count);
}

/**
 * Autocannon options that send each token of `tokens` at most once, in order: autocannon builds a connection's
 * first request up front and rebuilds one per later request through `setupRequest`. Throws after the run if the
 * pool ran dry (a repeated token would be a cache hit: the figure would be void).
 */
function onePerRequest(tokens) {
  let next = 0;
  return {
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
      if (next > tokens.length) throw new Error(`fresh token pool ran dry (${next} requests, ${tokens.length} tokens)`);
    },
  };
}

/** One measured autocannon run against `url`; `load` is `{ duration }` or `{ amount, requests }`. */
async function run(name, url, pid, load, headers = {}) {
  const cpuBefore = cpuMillis(pid);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, ...load });
  const cpuMs = cpuMillis(pid) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts: void`);
  }
  const requests = result.requests.total;
  return {
    reqPerSec: Math.round(requests / (result.duration || DURATION_SECONDS)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    cpuUsPerReq: Math.round((cpuMs * 1000) / requests),
  };
}

async function measureService(service, pool) {
  const { url, route, pid } = service;
  const guarded = `${url}${route}`;
  const bearer = { authorization: `Bearer ${pool.repeated}` };
  // Warm-up (JIT, connections, the repeated token's cache entry), not measured.
  await autocannon({ url: `${url}/health`, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  await autocannon({ url: guarded, headers: bearer, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const warmup = onePerRequest(pool.fresh.slice(0, FRESH_WARMUP_TOKENS));
  await autocannon({ url: guarded, connections: CONNECTIONS, amount: FRESH_WARMUP_TOKENS - CONNECTIONS, ...warmup });
  warmup.check();

  const noGuard = await run(`${service.name} no guard`, `${url}/health`, pid, { duration: DURATION_SECONDS });
  const measured = pool.fresh.slice(FRESH_WARMUP_TOKENS);
  const fresh = onePerRequest(measured);
  const freshFigures = await run(`${service.name} fresh`, guarded, pid, {
    amount: measured.length - CONNECTIONS,
    requests: fresh.requests,
  });
  fresh.check();
  const repeated = await run(`${service.name} repeated`, guarded, pid, { duration: DURATION_SECONDS }, bearer);
  return {
    adapter: service.adapter,
    route: service.route,
    noGuard,
    fresh: freshFigures,
    repeated,
    ratios: {
      repeatedVsNoGuardReqPerSec: ratio(repeated.reqPerSec, noGuard.reqPerSec),
      freshVsRepeatedReqPerSec: ratio(freshFigures.reqPerSec, repeated.reqPerSec),
      freshVsRepeatedCpu: ratio(freshFigures.cpuUsPerReq, repeated.cpuUsPerReq),
    },
  };
}

const ratio = (a, b) => +(a / b).toFixed(2);

function tableRows(results) {
  const rows = [];
  for (const [name, result] of Object.entries(results)) {
    const variants = [
      ['no guard (/health)', result.noGuard],
      [`ours fresh (${result.route})`, result.fresh],
      [`ours repeated (${result.route})`, result.repeated],
    ];
    for (const [variant, figures] of variants) {
      rows.push({
        service: `${name} (${result.adapter})`,
        variant,
        'req/s': figures.reqPerSec,
        'p50 ms': figures.p50Ms,
        'p99 ms': figures.p99Ms,
        requests: figures.requests,
        'server CPU µs/req': figures.cpuUsPerReq,
      });
    }
  }
  return rows;
}

async function main() {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    broker = await startBroker({});
    brokers = broker.brokers;
  }
  const [authPort, ordersPort, billingPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${authPort}`;
  startApp('auth-service', {
    AUTH_PORT: String(authPort),
    AUTH_ISSUER: issuer,
    KAFKA_BROKERS: brokers,
    DATABASE_URL: '',
    AUTH_LOG_LEVEL: LOG_LEVEL,
    AUTH_ACCESS_TOKEN_TTL_SECONDS: '3600',
    // The pool is filled as fast as the token endpoint answers; its per-client limit would refuse that.
    AUTH_RATE_LIMIT_TOKEN_REQUESTS: '100000000',
  });
  await waitUntilOk(`${issuer}/health`);
  const orders = startApp('orders-service', {
    ORDERS_PORT: String(ordersPort),
    ORDERS_ISSUER: issuer,
    ORDERS_LOG_LEVEL: LOG_LEVEL,
    KAFKA_BROKERS: brokers,
  });
  const billing = startApp('billing-service', {
    BILLING_PORT: String(billingPort),
    BILLING_ISSUER: issuer,
    BILLING_LOG_LEVEL: LOG_LEVEL,
    KAFKA_BROKERS: brokers,
  });
  const services = [
    { name: 'orders', adapter: 'Fastify', url: `http://127.0.0.1:${ordersPort}`, route: '/orders', pid: orders.pid },
    {
      name: 'billing',
      adapter: 'Express',
      url: `http://127.0.0.1:${billingPort}`,
      route: '/invoices',
      pid: billing.pid,
    },
  ];
  for (const service of services) await waitUntilOk(`${service.url}/health`);

  const issueStarted = performance.now();
  // Each service keeps its own cache: one pool serves both, every token fresh at each.
  const pool = { repeated: await issueToken(issuer), fresh: await issueTokens(issuer, FRESH_TOKENS) };
  const issueSeconds = (performance.now() - issueStarted) / 1000;
  console.log(`issued ${FRESH_TOKENS + 1} tokens in ${issueSeconds.toFixed(1)} s`);

  const results = {};
  for (const service of services) results[service.name] = await measureService(service, pool);

  console.log(
    `\n${CONNECTIONS} connections, ${DURATION_SECONDS} s per duration run, ` +
      `${FRESH_TOKENS - FRESH_WARMUP_TOKENS - CONNECTIONS} fresh tokens measured per service, Node ${process.version}`,
  );
  console.table(tableRows(results));
  for (const [name, { ratios }] of Object.entries(results)) {
    console.log(
      `${name}: repeated vs no guard ${ratios.repeatedVsNoGuardReqPerSec}× req/s; fresh vs repeated ` +
        `${ratios.freshVsRepeatedReqPerSec}× req/s, ${ratios.freshVsRepeatedCpu}× CPU/req`,
    );
  }
  const settings = {
    logLevel: LOG_LEVEL,
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    freshTokens: FRESH_TOKENS,
    node: process.version,
  };
  console.log(`BENCH ${JSON.stringify({ bench: 'guard', ...settings, services: results })}`);
}

async function shutdown() {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve())),
    ),
  );
  await broker?.stop();
}

main()
  .then(shutdown)
  .catch(async (error) => {
    console.error(error);
    await shutdown();
    process.exitCode = 1;
  });
