/**
 * What the bench scripts share: built apps spawned from dist/ as child processes, free ports, bounded waits, a
 * process's CPU time from /proc, one measured autocannon run (req/s, latency, server CPU µs/request), rounds of
 * interleaved variants reduced to their medians, token issuance, the broker, and the BENCH line.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../tools/kafka/broker.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** `--quick`: the smallest run that still exercises every step (the smoke test's), figures not meaningful. */
export const QUICK = process.argv.includes('--quick');
export const DEMO_CLIENT = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** A number from the environment, else `quick` under `--quick`, else `normal`. */
export function setting(name, normal, quick = normal) {
  const value = process.env[name];
  if (value !== undefined && value !== '') return Number(value);
  return QUICK ? quick : normal;
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children = [];
let broker;

/** KAFKA_BROKERS when set (the umbrella's or the e2e broker), else the built-in broker, started once. */
export async function kafkaBrokers() {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  broker ??= await startBroker({});
  return broker.brokers;
}

/** Spawns `script` (relative to the repo) with this Node binary; stderr is passed through, stdout dropped. */
export function startScript(script, env, { args = [], stdout = 'ignore' } = {}) {
  const child = spawn(process.execPath, [...args, script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
  children.push(child);
  return child;
}

/** Spawns a built app of apps/ (`dist/apps/<name>/src/main.js`). */
export const startApp = (name, env, options) => startScript(`dist/apps/${name}/src/main.js`, env, options);

/** Polls `url` until it answers 2xx, bounded. */
export async function waitUntilOk(url, timeoutMs = 60_000) {
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

/** User+system CPU time of process `pid` so far, in ms. */
export function cpuMillis(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After the comm field: utime is field 14 and stime 15 of the full line, i.e. indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The machine's CPU time so far, in clock ticks: `steal` is the time the hypervisor gave this VM's CPUs to others
 * (the 8th field of /proc/stat's `cpu` line), `total` all of it. On a shared machine steal comes and goes: a run
 * with much of it measured a machine that was not ours.
 */
export function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: fields[7], total: fields.reduce((sum, ticks) => sum + ticks, 0) };
}

/** The share of the machine's CPU time stolen since `before` (a {@link machineTicks}), in percent. */
export function stealPercentSince(before) {
  const now = machineTicks();
  const total = now.total - before.total;
  return total === 0 ? 0 : Math.round(((now.steal - before.steal) * 100) / total);
}

/**
 * One measured autocannon run; `options` are autocannon's (url, connections, duration or amount, headers, requests,
 * method, body). req/s and CPU are over the time to the last answer. Any non-2xx answer, error or timeout voids the
 * figure (throws).
 */
export async function measure(name, pid, options) {
  const machineBefore = machineTicks();
  const cpuBefore = cpuMillis(pid);
  const started = performance.now();
  let lastResponse = started;
  let answered = 0;
  let cpuAtLastAnswer;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', () => {
      lastResponse = performance.now();
      answered += 1;
      if (answered === options.amount) cpuAtLastAnswer = cpuMillis(pid);
    });
  });
  // Up to the last answer: autocannon notices that an `amount` is reached only on its next one-second tick, and the
  // server's CPU in that idle wait is no request's.
  const seconds = (lastResponse - started) / 1000;
  const cpuMs = (cpuAtLastAnswer ?? cpuMillis(pid)) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts: void`);
  }
  const requests = result.requests.total;
  return {
    reqPerSec: Math.round(requests / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    cpuUsPerReq: Math.round((cpuMs * 1000) / requests),
    stealPercent: stealPercentSince(machineBefore),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Runs `rounds` rounds of every variant one after the other (ABAB…) and returns per variant the median of each
 * figure over the rounds, plus the requests summed. Each round starts at another variant (the order rotated by an
 * even share of the variants), so that neither a drift of the machine's load nor the garbage a variant leaves to
 * the next always lands on the same one. `variants` maps a name to `(round) => Promise<figures>`.
 */
export async function interleaved(rounds, variants) {
  const names = Object.keys(variants);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const start = Math.floor((round * names.length) / rounds);
    for (const name of [...names.slice(start), ...names.slice(0, start)]) {
      runs[name].push(await variants[name](round));
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        reqPerSec: Math.round(median(runs[name].map((run) => run.reqPerSec))),
        p50Ms: median(runs[name].map((run) => run.p50Ms)),
        p99Ms: median(runs[name].map((run) => run.p99Ms)),
        cpuUsPerReq: Math.round(median(runs[name].map((run) => run.cpuUsPerReq))),
        requests: runs[name].reduce((sum, run) => sum + run.requests, 0),
        rounds,
        // The worst round: variants compared side by side are only comparable if none ran on a contended machine.
        stealPercentMax: Math.max(...runs[name].map((run) => run.stealPercent)),
      },
    ]),
  );
}

export const ratio = (a, b) => +(a / b).toFixed(2);

/** A figure against its target: `{ value, target, met }`; `atMost` for costs, else at least. */
export function target(value, bound, { atMost = false } = {}) {
  return { value, target: `${atMost ? '≤' : '≥'} ${bound}`, met: atMost ? value <= bound : value >= bound };
}

/** The client_credentials token request of the demo client, as autocannon options (POST /oauth/token). */
export function tokenRequest(issuer, scope = 'orders:read billing:read') {
  return {
    url: `${issuer}/oauth/token`,
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CLIENT.id}:${DEMO_CLIENT.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  };
}

/** Issues `count` client_credentials tokens (autocannon, `connections` in parallel), each answer's token kept. */
export async function issueTokens(issuer, count, connections = 16) {
  const tokens = [];
  const request = tokenRequest(issuer);
  const result = await autocannon({
    ...request,
    connections,
    amount: count,
    requests: [
      {
        method: request.method,
        onResponse: (status, body) => {
          if (status === 200) tokens.push(JSON.parse(body).access_token);
        },
      },
    ],
  });
  if (tokens.length !== count) {
    throw new Error(`issued ${tokens.length} of ${count} tokens (${result.non2xx} non-2xx, ${result.errors} errors)`);
  }
  return tokens;
}

/**
 * The environment of an auth-service for benches: long-lived tokens, no token rate limit, and the database of
 * BENCH_DATABASE_URL (a Postgres of its own: the bench writes keys and outbox rows there), else the embedded one in
 * memory (PGlite, whose queries run in the auth-service process and count in its CPU).
 */
export function benchAuthEnv({ port, issuer, brokers, logLevel }) {
  return {
    AUTH_PORT: String(port),
    AUTH_ISSUER: issuer,
    KAFKA_BROKERS: brokers,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
    AUTH_LOG_LEVEL: logLevel,
    // Pools outlive a long run.
    AUTH_ACCESS_TOKEN_TTL_SECONDS: '3600',
    // Tokens are requested as fast as the endpoint answers; its per-client limit would refuse that.
    AUTH_RATE_LIMIT_TOKEN_REQUESTS: '100000000',
  };
}

/** Prints `BENCH {json}`: the one machine-readable line of a bench. */
export function printBenchLine(result) {
  console.log(`BENCH ${JSON.stringify(result)}`);
}

/** Finds and parses the `BENCH {json}` line of a bench's output. */
export function parseBenchLine(output) {
  const line = output.split('\n').find((candidate) => candidate.startsWith('BENCH '));
  return line === undefined ? undefined : JSON.parse(line.slice('BENCH '.length));
}

/** Stops every child this process started (SIGTERM, then waits) and the broker if it started one. */
export async function shutdown() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) =>
          child.exitCode === null && child.signalCode === null ? child.once('exit', resolve) : resolve(),
        ),
    ),
  );
  await broker?.stop();
}

/** Runs `main`, then shuts down; a failure is printed and exits 1. */
export function runBench(main) {
  main()
    .then(shutdown)
    .catch(async (error) => {
      console.error(error);
      await shutdown();
      process.exitCode = 1;
    });
}
