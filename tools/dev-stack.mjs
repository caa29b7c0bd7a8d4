#!/usr/bin/env node
/**
 * The local stack behind `npm start` (after `npm run build`): Kafka (an existing `KAFKA_BROKERS`, else the
 * built-in broker on 127.0.0.1:19092), then auth-service, orders-service and billing-service from dist/, each
 * waited for with a bounded poll. Logs are prefixed per process. Ctrl-C stops the apps, then the broker, and
 * exits 0; a process that dies on its own stops everything and exits 1.
 *
 * @example
 * npm start                                  # build + this script
 * KAFKA_BROKERS=127.0.0.1:9092 npm start     # use a broker you already run
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, startBroker } from './kafka/broker.mjs';

const BROKER_PORT = 19092;
const CONTROLLER_PORT = 19093;
const BROKER_DATA_DIR = join(REPO_ROOT, '.kafka', 'dev');
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_INTERVAL_MS = 250;
const APP_STOP_TIMEOUT_MS = 10_000;
const DEMO_CLIENT = { id: 'demo-app', secret: 'dev-only-demo-app-secret' }; // config/dev-seed.json, dev only

const APPS = [
  {
    label: 'auth',
    name: 'auth-service',
    port: portFromEnv('AUTH_PORT', 3000),
    readyPath: '/.well-known/oauth-authorization-server',
    describe: 'token /oauth/token, revoke /oauth/revoke, introspect /oauth/introspect, JWKS /.well-known/jwks.json',
  },
  {
    label: 'orders',
    name: 'orders-service',
    port: portFromEnv('ORDERS_PORT', 3001),
    readyPath: '/health',
    describe: 'GET /orders',
  },
  {
    label: 'billing',
    name: 'billing-service',
    port: portFromEnv('BILLING_PORT', 3002),
    readyPath: '/health',
    describe: 'GET /invoices',
  },
];

const useColour = Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env);
const COLOURS = { stack: 1, kafka: 35, auth: 36, orders: 32, billing: 33 };
const LABEL_WIDTH = Math.max(...Object.keys(COLOURS).map((label) => label.length)) + 2;

/** Writes one line with a fixed-width `[label]` prefix (coloured on a TTY). */
function print(label, line) {
  const prefix = `[${label}]`.padEnd(LABEL_WIDTH);
  const shown = useColour ? `\u001b[${COLOURS[label]}m${prefix}\u001b[0m` : prefix;
  process.stdout.write(`${shown} ${line}\n`);
}

const say = (line) => print('stack', line);

let broker; // built-in broker handle, if we started one
const running = []; // { app, child, exited }
let shuttingDown = false;

async function main() {
  const missing = APPS.filter((app) => !existsSync(mainFile(app)));
  if (missing.length > 0) {
    throw new Error(
      `${missing.map((app) => relative(REPO_ROOT, mainFile(app))).join(', ')} missing: run \`npm run build\` first`,
    );
  }
  process.on('exit', () => {
    for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));

  const kafkaBrokers = process.env.KAFKA_BROKERS || (await startBuiltInBroker());
  for (const app of APPS) {
    if (shuttingDown) return;
    await startApp(app, kafkaBrokers);
  }
  if (shuttingDown) return;
  printReady(kafkaBrokers);
}

async function startBuiltInBroker() {
  say(
    `starting the built-in Kafka broker on 127.0.0.1:${BROKER_PORT} (fresh data in ${relative(REPO_ROOT, BROKER_DATA_DIR)})`,
  );
  broker = await startBroker({
    port: BROKER_PORT,
    controllerPort: CONTROLLER_PORT,
    dataDir: BROKER_DATA_DIR,
    format: 'always',
    detached: true,
    onLog: (line) => print('kafka', line),
  });
  say(`Kafka ready in ${broker.startedInMs} ms`);
  void broker.exited.then(({ code, signal, expected }) => {
    if (expected || shuttingDown) return;
    say(`Kafka broker died unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); log ${broker.logFile}`);
    void shutdown('broker exit', 1);
  });
  return broker.brokers;
}

async function startApp(app, kafkaBrokers) {
  say(`starting ${app.name}`);
  // setpriv --pdeathsig: the app dies with this script even if it is SIGKILLed (the apps run detached)
  const [command, args] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, mainFile(app)]]
    : [process.execPath, [mainFile(app)]];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    // children write to pipes; keep their colours only when ours reach a terminal
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers, ...(useColour ? {} : { NO_COLOR: '1' }) },
    detached: true, // own process group: Ctrl-C reaches only this script, which stops things in order
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': an app's last lines (usually why it died) must be printed before we react and exit
  const exited = new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolveExit({ code, signal, error: undefined }));
  });
  const entry = { app, child, exited };
  running.push(entry);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => print(app.label, line));
  }
  void exited.then(({ code, signal, error }) => {
    if (shuttingDown) return;
    const how = error ? error.message : signal ? `signal ${signal}` : `exit code ${code}`;
    say(`${app.name} exited unexpectedly (${how}); stopping everything`);
    void shutdown(`${app.name} exit`, 1);
  });

  const url = `http://127.0.0.1:${app.port}${app.readyPath}`;
  const startedAt = Date.now();
  const deadline = startedAt + READY_TIMEOUT_MS;
  for (;;) {
    if (shuttingDown) return;
    if (await answersOk(url)) break;
    if (Date.now() >= deadline) {
      say(`${app.name} not ready within ${READY_TIMEOUT_MS} ms (${url}); stopping everything`);
      await shutdown(`${app.name} timeout`, 1);
      return;
    }
    await delay(READY_POLL_INTERVAL_MS);
  }
  say(`${app.name} ready in ${Date.now() - startedAt} ms`);
}

async function answersOk(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch (error) {
    if (error?.name === 'TimeoutError' || error instanceof TypeError) return false; // not listening yet
    throw error;
  }
}

/** Stops the apps (reverse order), then the built-in broker, then exits with `exitCode`. */
async function shutdown(reason, exitCode) {
  if (shuttingDown) return;
  shuttingDown = true;
  say(`${reason}: stopping the stack`);
  process.on('SIGINT', () => {
    say('second interrupt: killing everything');
    for (const { child } of running) child.kill('SIGKILL');
    process.exit(130);
  });
  for (const entry of [...running].reverse()) await stopApp(entry);
  if (broker) {
    const startedAt = Date.now();
    await broker.stop();
    say(`Kafka broker stopped in ${Date.now() - startedAt} ms`);
  }
  say(exitCode === 0 ? 'stopped' : 'stopped after a failure');
  process.exit(exitCode);
}

async function stopApp({ app, child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    say(`${app.name} did not stop within ${APP_STOP_TIMEOUT_MS} ms; killing it`);
    child.kill('SIGKILL');
  }, APP_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  say(`${app.name} stopped`);
}

function printReady(kafkaBrokers) {
  const [auth, orders, billing] = APPS.map((app) => `http://127.0.0.1:${app.port}`);
  const kafkaNote = broker ? `built-in broker, data ${relative(REPO_ROOT, BROKER_DATA_DIR)}` : 'from KAFKA_BROKERS';
  const basic = `${DEMO_CLIENT.id}:${DEMO_CLIENT.secret}`;
  const lines = [
    '',
    'Stack ready. Listening:',
    `  kafka    ${kafkaBrokers}  (${kafkaNote})`,
    ...APPS.map((app) => `  ${app.label.padEnd(8)} http://127.0.0.1:${app.port}  (${app.describe})`),
    '',
    'Walkthrough (paste into another shell; demo-app is the dev seed client, client_secret_basic):',
    '',
    `  TOKEN=$(curl -s -u ${basic} -d grant_type=client_credentials --data-urlencode 'scope=orders:read billing:read' \\`,
    `    ${auth}/oauth/token | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${orders}/orders      # 200`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${billing}/invoices    # 200`,
    `  curl -i -u ${basic} -d "token=$TOKEN" ${auth}/oauth/revoke      # 200, revocation goes out over Kafka`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${orders}/orders      # 401 invalid_token (revoked)`,
    `  curl -i -H "Authorization: Bearer $TOKEN" ${billing}/invoices    # 401 invalid_token (revoked)`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  for (const line of lines) say(line);
}

function mainFile(app) {
  return join(REPO_ROOT, 'dist', 'apps', app.name, 'src', 'main.js');
}

function portFromEnv(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new TypeError(`${name} must be a TCP port number`);
  return port;
}

function delay(ms) {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

main().catch(async (error) => {
  say(`failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  if (!shuttingDown) await shutdown('startup failure', 1);
});
