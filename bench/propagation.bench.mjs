#!/usr/bin/env node
/**
 * Propagation: how long after `POST /oauth/revoke` answers 200 both resource servers refuse the token.
 *
 * Starts the built auth, orders and billing services (dist/, `npm run build` first) as child processes on free
 * 127.0.0.1 ports, against `KAFKA_BROKERS` (on topics of its own) or a broker of its own (tools/kafka/broker.mjs),
 * and `DATABASE_URL` (in a schema of its own, dropped at the end) or embedded PGlite. Then, measured as the e2e test
 * measures (revoke answer → first 401 `ERR_TOKEN_REVOKED`, one HTTP round trip included, each service polled every
 * millisecond):
 * - the FIRST revocation after start, as the README walkthrough pasted at once does it: a token, one call to each
 *   service, the revoke, and whether the very first call after the 200 is refused;
 * - `--warmup` revocations (default 20, or `BENCH_WARMUP`) not counted, then `--revocations` (default 1000, or
 *   `BENCH_REVOCATIONS`), one after the other, each token used once at both services first.
 * The services log at `debug` the stage timestamps of every revocation (auth: committed, read by the relay,
 * acknowledged by the broker; each resource server: received by its feed, verified, applied), which give the stage
 * breakdown (`--no-stages`: services at `info`, no breakdown). Prints a table and one `BENCH {json}` line.
 *
 * @example
 * npm run bench:propagation
 * node bench/propagation.bench.mjs --revocations 200
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { REPO_ROOT, startBroker } from '../tools/kafka/broker.mjs';
import { freePort, waitUntilOk } from './support.mjs';

const { values: args } = parseArgs({
  options: {
    revocations: { type: 'string', default: process.env.BENCH_REVOCATIONS ?? '1000' },
    // Debug lines cost the services a little on every request: --no-stages measures without them.
    'no-stages': { type: 'boolean', default: false },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '20' },
  },
});
const REVOCATIONS = Number(args.revocations);
const WARMUP = Number(args.warmup);
const STAGES = !args['no-stages'];
const SERVICE_LOG_LEVEL = STAGES ? 'debug' : 'info';
if (!Number.isSafeInteger(REVOCATIONS) || REVOCATIONS < 1) {
  throw new TypeError('--revocations must be a positive integer');
}
if (!Number.isSafeInteger(WARMUP) || WARMUP < 0) throw new TypeError('--warmup must be a non-negative integer');

const HOST = '127.0.0.1';
const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' }; // config/dev-seed.json, dev only
const BASIC = `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}`;
const SCOPE = 'orders:read billing:read';
const POLL_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 90_000;
const MARKERS = {
  committed: 'outbox rows committed',
  acked: 'outbox rows acknowledged',
  applied: 'Security event applied',
};

const children = [];
let broker;
let schema;
/** Stage timestamps (epoch ms) by outbox id and by record key, from the services' debug lines. */
const stages = { committedById: new Map(), byKey: new Map() };

/** The JSON object that follows `marker` on a readable log line, or undefined. */
function fieldsAfter(line, marker) {
  const at = line.indexOf(marker);
  if (at === -1) return undefined;
  const start = line.indexOf('{', at);
  try {
    return start === -1 ? undefined : JSON.parse(line.slice(start));
  } catch {
    return undefined; // not one of our stage lines (a message that merely contains the words)
  }
}

function entry(key) {
  let found = stages.byKey.get(key);
  if (found === undefined) stages.byKey.set(key, (found = { services: {} }));
  return found;
}

function collectStages(service, line) {
  const committed = fieldsAfter(line, MARKERS.committed);
  if (committed !== undefined) for (const id of committed.ids) stages.committedById.set(id, committed.committedAt);
  const acked = fieldsAfter(line, MARKERS.acked);
  if (acked !== undefined) {
    for (const { id, key } of acked.records)
      Object.assign(entry(key), { id, readAt: acked.readAt, ackedAt: acked.ackedAt });
  }
  const applied = fieldsAfter(line, MARKERS.applied);
  if (applied?.key != null) {
    const { receivedAt, verifiedAt, appliedAt } = applied;
    entry(applied.key).services[service] = { receivedAt, verifiedAt, appliedAt };
  }
}

function startApp(name, service, env) {
  const child = spawn(process.execPath, [`dist/apps/${name}/src/main.js`], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', (line) => collectStages(service, line));
  children.push(child);
  return child;
}

async function form(url, body) {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
}

async function issueToken(issuer) {
  const response = await form(`${issuer}/oauth/token`, { grant_type: 'client_credentials', scope: SCOPE });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  return (await response.json()).access_token;
}

async function call(url, token) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.text();
  return { status: response.status, errorCode: response.status === 200 ? undefined : JSON.parse(body).errorCode };
}

/** ms from `since` to the first 401 ERR_TOKEN_REVOKED (polled every ms), and how many calls it took. */
async function untilRevoked(url, token, since) {
  for (let attempts = 1; ; attempts += 1) {
    const { status, errorCode } = await call(url, token);
    if (status === 401 && errorCode === 'ERR_TOKEN_REVOKED') return { ms: performance.now() - since, attempts };
    if (status !== 200) throw new Error(`${url} answered ${status} ${errorCode} to a revoked token`);
    if (performance.now() - since > POLL_TIMEOUT_MS) throw new Error(`${url} still accepts a revoked token`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** One round: a fresh token accepted by both, revoked, then the time until each refuses it. */
async function revokeOnce(issuer, services) {
  const token = await issueToken(issuer);
  for (const { url, route } of services) {
    const { status } = await call(`${url}${route}`, token);
    if (status !== 200) throw new Error(`${url}${route} answered ${status} to a fresh token`);
  }
  const revoked = await form(`${issuer}/oauth/revoke`, { token });
  await revoked.arrayBuffer();
  if (revoked.status !== 200) throw new Error(`revoke answered ${revoked.status}`);
  const since = performance.now();
  const results = await Promise.all(services.map(({ url, route }) => untilRevoked(`${url}${route}`, token, since)));
  const { jti } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  return { key: `jti:${jti}`, results };
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p) => +sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)].toFixed(2);
  return { n: sorted.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: +sorted.at(-1).toFixed(2) };
}

/** Per stage over `keys`: waits (bounded) for the last debug lines, then the same stages as the e2e prints. */
async function stageBreakdown(keys, serviceNames) {
  const complete = (key) => {
    const found = stages.byKey.get(key);
    return found?.ackedAt !== undefined && serviceNames.every((name) => found.services[name] !== undefined);
  };
  const deadline = Date.now() + 5_000;
  while (!keys.every(complete) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const series = {};
  const add = (stage, ms) => (series[stage] ??= []).push(ms);
  let missing = 0;
  for (const key of keys) {
    if (!complete(key)) {
      missing += 1;
      continue;
    }
    const found = stages.byKey.get(key);
    const committedAt = stages.committedById.get(found.id);
    if (committedAt !== undefined) add('commit→read', found.readAt - committedAt);
    add('read→acked', found.ackedAt - found.readAt);
    for (const name of serviceNames) {
      const at = found.services[name];
      add(`acked→received ${name}`, at.receivedAt - found.ackedAt);
      add(`received→verified ${name}`, at.verifiedAt - at.receivedAt);
      add(`verified→applied ${name}`, at.appliedAt - at.verifiedAt);
      if (committedAt !== undefined) add(`commit→applied ${name}`, at.appliedAt - committedAt);
    }
  }
  return { missing, stages: Object.fromEntries(Object.entries(series).map(([s, v]) => [s, percentiles(v)])) };
}

async function main() {
  let brokers = process.env.KAFKA_BROKERS;
  const suffix = randomUUID().slice(0, 8);
  const topics = {};
  if (brokers) {
    // A shared broker: topics of our own, so earlier runs' revocations are not replayed.
    for (const prefix of ['AUTH', 'ORDERS', 'BILLING']) {
      topics[`${prefix}_REVOCATIONS_TOPIC`] =
        process.env[`${prefix}_REVOCATIONS_TOPIC`] ?? `auth.revocations.v1.bench-${suffix}`;
      topics[`${prefix}_KEYS_TOPIC`] = process.env[`${prefix}_KEYS_TOPIC`] ?? `auth.keys.v1.bench-${suffix}`;
    }
  } else {
    broker = await startBroker({});
    brokers = broker.brokers;
  }
  if (process.env.DATABASE_URL) schema = `bench_${suffix}`;
  const [authPort, ordersPort, billingPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://${HOST}:${authPort}`;
  const startedAt = performance.now();
  startApp('auth-service', 'auth', {
    ...topics,
    AUTH_PORT: String(authPort),
    AUTH_ISSUER: issuer,
    KAFKA_BROKERS: brokers,
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    ...(schema === undefined ? {} : { AUTH_DATABASE_SCHEMA: schema }),
    AUTH_LOG_LEVEL: SERVICE_LOG_LEVEL,
    AUTH_RATE_LIMIT_TOKEN_REQUESTS: '100000000',
    AUTH_RATE_LIMIT_REVOKE_REQUESTS: '100000000',
  });
  await waitUntilOk(`${issuer}/health`, READY_TIMEOUT_MS);
  const services = [
    { name: 'orders', app: 'orders-service', prefix: 'ORDERS', port: ordersPort, route: '/orders' },
    { name: 'billing', app: 'billing-service', prefix: 'BILLING', port: billingPort, route: '/invoices' },
  ].map((s) => ({ ...s, url: `http://${HOST}:${s.port}` }));
  for (const { name, app, prefix, port } of services) {
    startApp(app, name, {
      ...topics,
      [`${prefix}_PORT`]: String(port),
      [`${prefix}_ISSUER`]: issuer,
      [`${prefix}_LOG_LEVEL`]: SERVICE_LOG_LEVEL,
      KAFKA_BROKERS: brokers,
    });
  }
  for (const { url } of services) await waitUntilOk(`${url}/health`, READY_TIMEOUT_MS);
  const readyMs = performance.now() - startedAt;

  // The README walkthrough pasted at once: the first revocation right after the services are ready.
  const first = await revokeOnce(issuer, services);
  const firstRevocation = Object.fromEntries(
    services.map(({ name }, i) => [
      name,
      { ms: +first.results[i].ms.toFixed(2), refusedAtFirstCall: first.results[i].attempts === 1 },
    ]),
  );

  for (let round = 0; round < WARMUP; round += 1) await revokeOnce(issuer, services);
  const latencies = Object.fromEntries(services.map(({ name }) => [name, []]));
  const firstCall = Object.fromEntries(services.map(({ name }) => [name, 0]));
  const keys = [];
  for (let round = 0; round < REVOCATIONS; round += 1) {
    const { key, results } = await revokeOnce(issuer, services);
    keys.push(key);
    services.forEach(({ name }, i) => {
      latencies[name].push(results[i].ms);
      if (results[i].attempts === 1) firstCall[name] += 1;
    });
  }
  const names = services.map(({ name }) => name);
  const breakdown = STAGES ? await stageBreakdown(keys, names) : { missing: 0, stages: {} };
  const perService = Object.fromEntries(names.map((name) => [name, percentiles(latencies[name])]));

  console.log(`\nstack ready in ${(readyMs / 1000).toFixed(1)} s; first revocation after start:`);
  console.table(firstRevocation);
  console.log(`\n${REVOCATIONS} revocations, revoke answer → first 401 (ms, one HTTP round trip included):`);
  console.table(
    Object.fromEntries(
      names.map((name) => [
        name,
        { ...perService[name], 'refused at first call': `${firstCall[name]}/${REVOCATIONS}` },
      ]),
    ),
  );
  if (STAGES) {
    console.log(
      `stage breakdown (ms)${breakdown.missing > 0 ? `, ${breakdown.missing} revocations without all stages` : ''}:`,
    );
    console.table(breakdown.stages);
  }
  const result = {
    bench: 'propagation',
    revocations: REVOCATIONS,
    warmup: WARMUP,
    serviceLogLevel: SERVICE_LOG_LEVEL,
    node: process.version,
    database: schema === undefined ? 'pglite' : 'postgres',
    firstRevocation,
    services: Object.fromEntries(
      names.map((name) => [name, { ...perService[name], refusedAtFirstCall: firstCall[name] }]),
    ),
    stages: breakdown.stages,
    stagesMissing: breakdown.missing,
  };
  console.log(`BENCH ${JSON.stringify(result)}`);
}

async function shutdown() {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve())),
    ),
  );
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  await broker?.stop();
}

main()
  .then(shutdown)
  .catch(async (error) => {
    console.error(error);
    await shutdown();
    process.exitCode = 1;
  });
