#!/usr/bin/env node
/**
 * Guard hot-path benchmark: autocannon against a guarded route (`GET /orders`, bearer token, scope
 * check, revocation lookup) and an unguarded route (`GET /health`) of the same orders-service process,
 * built from dist/ and fed by a real auth-service and a real Kafka broker.
 *
 * Reports per route: requests/s, latency p50/p99, and the server's CPU time per request (user+sys of
 * the orders-service process from /proc/<pid>/stat over the measured window, divided by requests).
 *
 *   npm run bench:guard                       # builds, then measures with the defaults
 *   BENCH_DURATION_SECONDS=20 BENCH_CONNECTIONS=50 npm run bench:guard
 *
 * Uses KAFKA_BROKERS when set, else starts the built-in broker (tools/kafka/broker.mjs).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../tools/kafka/broker.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

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

async function measure(name, url, headers, pid) {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up (JIT, connections)
  const cpuBefore = cpuMillis(pid);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_SECONDS });
  const cpuMs = cpuMillis(pid) - cpuBefore;
  const requests = result.requests.total;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the benchmark is void`);
  }
  return {
    route: name,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    requests,
    'server CPU µs/req': Math.round((cpuMs * 1000) / requests),
  };
}

async function main() {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    broker = await startBroker({});
    brokers = broker.brokers;
  }
  const authPort = await freePort();
  const ordersPort = await freePort();
  const issuer = `http://127.0.0.1:${authPort}`;
  startApp('auth-service', {
    AUTH_PORT: String(authPort),
    AUTH_ISSUER: issuer,
    KAFKA_BROKERS: brokers,
    DATABASE_URL: '',
  });
  await waitUntilOk(`${issuer}/health`);
  const orders = startApp('orders-service', {
    ORDERS_PORT: String(ordersPort),
    ORDERS_ISSUER: issuer,
    KAFKA_BROKERS: brokers,
  });
  const ordersUrl = `http://127.0.0.1:${ordersPort}`;
  await waitUntilOk(`${ordersUrl}/health`);

  const tokenResponse = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('demo-app:dev-only-demo-app-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
  });
  const { access_token: token } = await tokenResponse.json();

  const rows = [
    await measure('GET /health (unguarded)', `${ordersUrl}/health`, {}, orders.pid),
    await measure('GET /orders (guarded)', `${ordersUrl}/orders`, { authorization: `Bearer ${token}` }, orders.pid),
  ];
  console.log(
    `\norders-service (Fastify), ${CONNECTIONS} connections, ${DURATION_SECONDS} s per route, Node ${process.version}`,
  );
  console.table(rows);
  const overhead = rows[1]['server CPU µs/req'] - rows[0]['server CPU µs/req'];
  console.log(`guard cost: ${overhead} µs of server CPU per request`);
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
