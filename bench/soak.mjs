#!/usr/bin/env node
/**
 * Soak: the whole stack for a bounded time under steady traffic and steady revocations, on loopback only.
 *
 * Starts a Kafka broker of its own (tools/kafka/broker.mjs) and the built auth, orders and billing services
 * (dist/, `npm run build` first) as child processes on free 127.0.0.1 ports, then for `--seconds` (default 600):
 * - drives both resource servers with autocannon at a fixed rate, from a pool of valid tokens that is kept fresh
 *   (tokens leave the pool long before they expire), plus a share of requests carrying tokens revoked at least
 *   `REVOKED_SETTLE_MS` earlier, which must be answered 401 `ERR_TOKEN_REVOKED`;
 * - revokes tokens through `POST /oauth/revoke` at a fixed rate (default 20/s): each one is taken out of the valid
 *   pool first, so no request still in flight carries it as a valid token when it is revoked;
 * - samples every 10 s the RSS of each process (`/proc/<pid>/status` VmRSS: nothing is added to the apps) and the
 *   revocation index size from each resource server's `/health`.
 * Errors: a valid token not answered 200, a revoked one not answered 401 `ERR_TOKEN_REVOKED`, a failed token or
 * revoke call, connection errors and timeouts, and every ERROR line the services log. Prints a table and one
 * `SOAK {json}` line, stops everything, exits 1 if there was any error, 2 when the hard deadline hit.
 *
 * The auth service uses `DATABASE_URL` when set (in a schema of its own, dropped at the end), else embedded PGlite.
 *
 * @example
 * npm run build && node bench/soak.mjs                 # 600 s
 * node bench/soak.mjs --seconds 60 --rate 300 --revocations-per-second 50
 * npm run soak:smoke                                   # build + 5 s
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { REPO_ROOT, startBroker } from '../tools/kafka/broker.mjs';
import { freePort, waitUntilOk } from './support.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '16' },
    'revocations-per-second': { type: 'string', default: '20' },
  },
});
const SECONDS = positive('seconds');
const RATE_PER_SERVICE = positive('rate');
const CONNECTIONS = positive('connections');
const REVOCATIONS_PER_SECOND = positive('revocations-per-second');

const HOST = '127.0.0.1';
const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' }; // config/dev-seed.json, dev only
const BASIC = `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}`;
const SCOPE = 'orders:read billing:read';
const SAMPLE_INTERVAL_MS = 10_000;
const POOL_SIZE = 100;
/** Tokens live 300 s; one leaves the valid pool after this, long before it could expire mid-request. */
const POOL_TOKEN_MAX_AGE_MS = 60_000;
/** A token is revoked this long after it left the pool: no request still in flight carries it as valid. */
const RETIRE_BEFORE_REVOKE_MS = 500;
/** A revoked token is sent (expecting 401) only this long after the revoke call answered: propagation is ms. */
const REVOKED_SETTLE_MS = 1_000;
/** Revoked tokens are replayed only while far from expiry, so the answer is ERR_TOKEN_REVOKED, not expired. */
const REVOKED_MAX_AGE_MS = 200_000;
/** Share of each resource server's rate that carries revoked tokens. */
const REVOKED_SHARE = 0.1;
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;
/** Start-up, draining and shutdown on top of the soak itself: past this everything is killed. */
const HARD_DEADLINE_MS = SECONDS * 1000 + 240_000;

const startedAt = Date.now();
const children = [];
let broker;
let workDir;
let schema;

const counters = {
  requests: 0,
  validOk: 0,
  revokedRefused: 0,
  revocations: 0,
  revocationsSkipped: 0,
  tokensIssued: 0,
  errors: 0,
};
const errorKinds = new Map();
const valid = []; // { token, issuedAt }
const revoked = []; // { token, issuedAt, revokedAt }
const samples = [];

function positive(name) {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number`);
  return value;
}

function error(kind) {
  counters.errors += 1;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startApp(name, env) {
  const main = join(REPO_ROOT, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} missing: run \`npm run build\` first`);
  // setpriv --pdeathsig: the app dies with this script even if the script is killed
  const [command, commandArgs] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, main]]
    : [process.execPath, [main]];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'test', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(workDir, `${name}.log`));
  const entry = { name, child, errorLines: 0, exited: new Promise((resolve) => child.once('close', resolve)) };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log.write(`${line}\n`);
      if (/\b(ERROR|FATAL)\b|"level":"(error|fatal)"/.test(line)) entry.errorLines += 1;
    });
  }
  void entry.exited.then(() => {
    if (!stopping) error(`${name} exited`);
  });
  children.push(entry);
  return entry;
}

function rssMiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : NaN;
}

async function post(url, form) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: await response.text() };
}

async function issueToken(authUrl) {
  const { status, body } = await post(`${authUrl}/oauth/token`, { grant_type: 'client_credentials', scope: SCOPE });
  if (status !== 200) {
    error(`token ${status}`);
    return;
  }
  counters.tokensIssued += 1;
  valid.push({ token: JSON.parse(body).access_token, issuedAt: Date.now() });
}

/** Keeps the valid pool full of young tokens until `until`. */
async function refillPool(authUrl, until) {
  while (Date.now() < until) {
    while (valid.length > 0 && Date.now() - valid[0].issuedAt > POOL_TOKEN_MAX_AGE_MS) valid.shift();
    const missing = POOL_SIZE - valid.length;
    await Promise.all(
      Array.from({ length: Math.min(missing, 10) }, () => issueToken(authUrl).catch(() => error('token connection'))),
    );
    await delay(missing > 0 ? 20 : 100);
  }
}

/** Revokes at a fixed rate until `until`: the oldest pool token leaves the pool, then is revoked. */
async function revokeSteadily(authUrl, until) {
  const interval = 1000 / REVOCATIONS_PER_SECOND;
  const inFlight = new Set();
  for (let i = 0; ; i += 1) {
    const at = startedSteadyAt + i * interval;
    if (at >= until) break;
    await delay(Math.max(0, at - Date.now()));
    // Below half a pool (the token endpoint starved of CPU) the driver skips a beat rather than run dry: counted.
    if (valid.length <= POOL_SIZE / 2) {
      counters.revocationsSkipped += 1;
      continue;
    }
    const entry = valid.shift();
    const job = delay(RETIRE_BEFORE_REVOKE_MS)
      .then(() => post(`${authUrl}/oauth/revoke`, { token: entry.token, token_type_hint: 'access_token' }))
      .then(
        ({ status }) => {
          if (status !== 200) return error(`revoke ${status}`);
          counters.revocations += 1;
          revoked.push({ ...entry, revokedAt: Date.now() });
        },
        () => error('revoke connection'),
      )
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  }
  await Promise.all(inFlight);
}

function pickValid() {
  return valid[Math.floor(Math.random() * valid.length)]?.token;
}

function pickRevoked() {
  const now = Date.now();
  while (revoked.length > 0 && now - revoked[0].issuedAt > REVOKED_MAX_AGE_MS) revoked.shift();
  const settled = revoked.filter((entry) => now - entry.revokedAt >= REVOKED_SETTLE_MS);
  return settled[Math.floor(Math.random() * settled.length)]?.token;
}

function errorCode(body) {
  try {
    return JSON.parse(body).errorCode ?? '';
  } catch {
    return 'unparsable body';
  }
}

/**
 * autocannon at a fixed rate against one route, every request with a token of one kind: answers are judged per
 * instance (autocannon's per-connection context is not tied to the request an answer belongs to).
 */
function drive({ label, url, path, seconds, kind, rate, connections }) {
  const pick = kind === 'valid' ? pickValid : pickRevoked;
  return autocannon({
    url,
    connections,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path,
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${pick() ?? 'none-available'}` },
        }),
        onResponse: (status, body) => {
          counters.requests += 1;
          if (kind === 'valid') {
            if (status === 200) counters.validOk += 1;
            else error(`${label} valid token answered ${status} ${errorCode(body)}`);
            return;
          }
          if (status === 401 && errorCode(body) === 'ERR_TOKEN_REVOKED') counters.revokedRefused += 1;
          else error(`${label} revoked token answered ${status} ${errorCode(body)}`);
        },
      },
    ],
  });
}

async function sample(services) {
  const health = async (service) => {
    const body = await fetch(`${service.url}/health`).then(
      (r) => r.json(),
      () => undefined,
    );
    return body?.revocations?.entries ?? null;
  };
  const row = {
    t: Math.round((Date.now() - startedSteadyAt) / 1000),
    'kafka MiB': rssMiB(broker.pid),
    'auth MiB': rssMiB(services.auth.child.pid),
    'orders MiB': rssMiB(services.orders.child.pid),
    'billing MiB': rssMiB(services.billing.child.pid),
    'orders idx': await health(services.orders),
    'billing idx': await health(services.billing),
    requests: counters.requests,
    revocations: counters.revocations,
    errors: counters.errors,
  };
  samples.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

let stopping = false;
let startedSteadyAt = 0;

async function stopAll() {
  stopping = true;
  for (const entry of [...children].reverse()) {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) continue;
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await entry.exited;
    clearTimeout(timer);
  }
  await broker?.stop();
  if (broker !== undefined) await rm(broker.dataDir, { recursive: true, force: true });
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

async function main() {
  const hardDeadline = setTimeout(() => {
    process.stderr.write(`soak: hard deadline of ${HARD_DEADLINE_MS} ms passed; killing everything\n`);
    for (const { child } of children) child.kill('SIGKILL');
    process.exit(2);
  }, HARD_DEADLINE_MS);
  hardDeadline.unref();
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  workDir = await mkdtemp(join(tmpdir(), 'auth-layer-soak-'));
  broker = await startBroker({ dataDir: join(workDir, 'kafka') });
  const suffix = randomUUID().slice(0, 8);
  const kafka = {
    KAFKA_BROKERS: broker.brokers,
    AUTH_REVOCATIONS_TOPIC: `auth.revocations.v1.soak-${suffix}`,
    AUTH_KEYS_TOPIC: `auth.keys.v1.soak-${suffix}`,
  };
  const [authPort, ordersPort, billingPort] = [await freePort(), await freePort(), await freePort()];
  const authUrl = `http://${HOST}:${authPort}`;
  if (process.env.DATABASE_URL) schema = `soak_${suffix}`;
  const auth = startApp('auth-service', {
    ...kafka,
    AUTH_HOST: HOST,
    AUTH_PORT: String(authPort),
    AUTH_ISSUER: authUrl,
    ...(schema === undefined ? {} : { AUTH_DATABASE_SCHEMA: schema }),
    // One demo client drives all of the soak's tokens and revocations: far above a real client's per-minute limits.
    AUTH_RATE_LIMIT_TOKEN_REQUESTS: '1000000',
    AUTH_RATE_LIMIT_REVOKE_REQUESTS: '1000000',
  });
  await waitUntilOk(`${authUrl}/.well-known/oauth-authorization-server`, READY_TIMEOUT_MS);
  const resourceServer = (prefix, port) => ({
    KAFKA_BROKERS: broker.brokers,
    [`${prefix}_HOST`]: HOST,
    [`${prefix}_PORT`]: String(port),
    [`${prefix}_ISSUER`]: authUrl,
    [`${prefix}_REVOCATIONS_TOPIC`]: kafka.AUTH_REVOCATIONS_TOPIC,
    [`${prefix}_KEYS_TOPIC`]: kafka.AUTH_KEYS_TOPIC,
  });
  const orders = {
    ...startApp('orders-service', resourceServer('ORDERS', ordersPort)),
    url: `http://${HOST}:${ordersPort}`,
  };
  const billing = {
    ...startApp('billing-service', resourceServer('BILLING', billingPort)),
    url: `http://${HOST}:${billingPort}`,
  };
  await Promise.all([
    waitUntilOk(`${orders.url}/health`, READY_TIMEOUT_MS),
    waitUntilOk(`${billing.url}/health`, READY_TIMEOUT_MS),
  ]);
  const services = { auth, orders, billing };
  process.stdout.write(
    `soak: stack ready in ${Date.now() - startedAt} ms (logs in ${workDir}); ${SECONDS} s at ${RATE_PER_SERVICE} req/s ` +
      `per resource server, ${REVOCATIONS_PER_SECOND} revocations/s\n`,
  );

  const until = Date.now() + SECONDS * 1000;
  const refilling = refillPool(authUrl, until);
  await waitUntilCondition(() => valid.length >= POOL_SIZE, 30_000, 'the token pool to fill');
  startedSteadyAt = Date.now();
  await sample(services);
  const sampler = setInterval(() => void sample(services), SAMPLE_INTERVAL_MS);
  const remaining = () => Math.max(1, Math.round((until - Date.now()) / 1000));
  const validRate = RATE_PER_SERVICE * (1 - REVOKED_SHARE);
  const revokedRate = Math.max(1, RATE_PER_SERVICE * REVOKED_SHARE);
  const targets = [
    { label: 'orders', url: orders.url, path: '/orders' },
    { label: 'billing', url: billing.url, path: '/invoices' },
  ];
  const validRuns = targets.map((target) =>
    drive({ ...target, kind: 'valid', rate: validRate, connections: CONNECTIONS, seconds: remaining() }),
  );
  const revoking = revokeSteadily(authUrl, until);
  // Revoked tokens are replayed once the first revocation has settled.
  await waitUntilCondition(() => pickRevoked() !== undefined, 30_000, 'a settled revocation');
  const revokedRuns = targets.map((target) =>
    drive({ ...target, kind: 'revoked', rate: revokedRate, connections: 2, seconds: remaining() }),
  );
  const results = await Promise.all([...validRuns, ...revokedRuns]);
  await Promise.all([revoking, refilling]);
  clearInterval(sampler);
  await sample(services);
  const elapsedSeconds = (Date.now() - startedSteadyAt) / 1000;
  const [ordersResult, billingResult] = results;
  results.forEach((result, i) => {
    const { label } = targets[i % targets.length];
    for (let n = 0; n < result.errors; n += 1) error(`${label} connection error`);
    for (let n = 0; n < result.timeouts; n += 1) error(`${label} timeout`);
  });
  for (const entry of children) for (let i = 0; i < entry.errorLines; i += 1) error(`${entry.name} ERROR log line`);
  await stopAll();

  const rss = (column) => ({
    first: samples[0][column],
    atMinute1: samples.find((row) => row.t >= 60)?.[column] ?? null,
    max: Math.max(...samples.map((row) => row[column])),
    last: samples.at(-1)[column],
  });
  const summary = {
    seconds: Math.round(elapsedSeconds),
    rateTargetPerService: RATE_PER_SERVICE,
    requests: counters.requests,
    requestsPerSecond: Math.round(counters.requests / elapsedSeconds),
    orders: {
      rps: Math.round(ordersResult.requests.average),
      p50ms: ordersResult.latency.p50,
      p99ms: ordersResult.latency.p99,
    },
    billing: {
      rps: Math.round(billingResult.requests.average),
      p50ms: billingResult.latency.p50,
      p99ms: billingResult.latency.p99,
    },
    validOk: counters.validOk,
    revokedRefused: counters.revokedRefused,
    revocations: counters.revocations,
    revocationsPerSecond: Math.round((counters.revocations / elapsedSeconds) * 10) / 10,
    revocationsSkipped: counters.revocationsSkipped,
    tokensIssued: counters.tokensIssued,
    maxIndexEntries: {
      orders: Math.max(...samples.map((row) => row['orders idx'] ?? 0)),
      billing: Math.max(...samples.map((row) => row['billing idx'] ?? 0)),
    },
    rssMiB: {
      kafka: rss('kafka MiB'),
      auth: rss('auth MiB'),
      orders: rss('orders MiB'),
      billing: rss('billing MiB'),
    },
    errors: counters.errors,
    errorKinds: Object.fromEntries(errorKinds),
  };
  console.table(samples);
  process.stdout.write(`SOAK ${JSON.stringify(summary)}\n`);
  if (counters.errors === 0) await rm(workDir, { recursive: true, force: true });
  else process.stdout.write(`soak: service logs kept in ${workDir}\n`);
  process.exit(counters.errors === 0 ? 0 : 1);
}

async function waitUntilCondition(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

main().catch(async (failure) => {
  process.stderr.write(`soak failed: ${failure.stack ?? failure}\n`);
  await stopAll().catch(() => undefined);
  process.exit(1);
});
