#!/usr/bin/env node
/**
 * The local stack behind `npm start` (after `npm run build`): Kafka (an existing `KAFKA_BROKERS`, else the
 * built-in broker on 127.0.0.1:19092), then auth-service, orders-service and billing-service from dist/, each
 * waited for with a bounded poll. Logs are prefixed per process. Ctrl-C stops the apps, then the broker, and
 * exits 0; a process that dies on its own stops everything and exits 1. The apps run with NODE_ENV=development
 * whatever the shell says (unset means production, which refuses the dev seed this walkthrough uses).
 *
 * With `--tls` every service serves HTTPS with a certificate from a local CA in `.dev-certs/` (created on first use,
 * reused while valid; git-ignored), redirects a plain-HTTP port (auth 3080, orders 3081, billing 3082, or
 * `<APP>_HTTP_REDIRECT_PORT`) with 308, and trusts that CA for the JWKS fetch through `NODE_EXTRA_CA_CERTS`.
 *
 * @example
 * npm start                                  # build + this script
 * npm start -- --tls                         # the same stack over HTTPS (curl --cacert .dev-certs/ca.crt …)
 * KAFKA_BROKERS=127.0.0.1:9092 npm start     # use a broker you already run
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, startBroker } from './kafka/broker.mjs';
import { ensureCertificates } from './tls/certificates.mjs';

const BROKER_PORT = 19092;
const CONTROLLER_PORT = 19093;
const BROKER_DATA_DIR = join(REPO_ROOT, '.kafka', 'dev');
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_INTERVAL_MS = 250;
const APP_STOP_TIMEOUT_MS = 10_000;
const DEMO_CLIENT = { id: 'demo-app', secret: 'dev-only-demo-app-secret' }; // config/dev-seed.json, dev only
const DEV_CERTS_DIR = join(REPO_ROOT, '.dev-certs');
const TLS = process.argv.slice(2).includes('--tls');
const SCHEME = TLS ? 'https' : 'http';
const NODE_ENV = 'development';

const APPS = [
  {
    label: 'auth',
    name: 'auth-service',
    prefix: 'AUTH',
    port: portFromEnv('AUTH_PORT', 3000),
    redirectPort: portFromEnv('AUTH_HTTP_REDIRECT_PORT', 3080),
    readyPath: '/.well-known/oauth-authorization-server',
    describe: 'token /oauth/token, revoke /oauth/revoke, introspect /oauth/introspect, JWKS /.well-known/jwks.json',
  },
  {
    label: 'orders',
    name: 'orders-service',
    prefix: 'ORDERS',
    port: portFromEnv('ORDERS_PORT', 3001),
    redirectPort: portFromEnv('ORDERS_HTTP_REDIRECT_PORT', 3081),
    readyPath: '/health',
    describe: 'GET /orders',
  },
  {
    label: 'billing',
    name: 'billing-service',
    prefix: 'BILLING',
    port: portFromEnv('BILLING_PORT', 3002),
    redirectPort: portFromEnv('BILLING_HTTP_REDIRECT_PORT', 3082),
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
let certificates; // with --tls: { caFile, certFile, keyFile, extraCaCerts } in .dev-certs/
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

  if (TLS) certificates = prepareCertificates();
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

function prepareCertificates() {
  const { created, ...paths } = ensureCertificates({ dir: DEV_CERTS_DIR });
  say(
    `${created ? 'created a local CA and certificate' : 'reusing the local CA and certificate'} in ` +
      `${relative(REPO_ROOT, DEV_CERTS_DIR)}/ (127.0.0.1, localhost)`,
  );
  return { ...paths, extraCaCerts: extraCaCerts(paths.caFile) };
}

/**
 * The file for the apps' NODE_EXTRA_CA_CERTS: our CA, plus the CAs of an inherited NODE_EXTRA_CA_CERTS (it names a
 * single file, and a machine may already use it for its own CAs).
 */
function extraCaCerts(caFile) {
  const inherited = process.env.NODE_EXTRA_CA_CERTS;
  if (!inherited) return caFile;
  const bundle = join(DEV_CERTS_DIR, 'extra-ca-certs.pem');
  writeFileSync(bundle, `${readFileSync(inherited, 'utf8').trimEnd()}\n${readFileSync(caFile, 'utf8')}`);
  return bundle;
}

/**
 * What --tls adds to an app's environment: its certificate and redirect port, an https: issuer for the resource
 * servers (each unless already set in our environment), and the local CA for the JWKS fetch (Node reads
 * NODE_EXTRA_CA_CERTS at start-up).
 */
function tlsEnv(app) {
  if (!certificates) return {};
  const auth = APPS[0];
  const defaults = {
    [`${app.prefix}_TLS_CERT_FILE`]: certificates.certFile,
    [`${app.prefix}_TLS_KEY_FILE`]: certificates.keyFile,
    [`${app.prefix}_HTTP_REDIRECT_PORT`]: String(app.redirectPort),
    ...(app === auth ? {} : { [`${app.prefix}_ISSUER`]: `https://127.0.0.1:${auth.port}` }),
  };
  return {
    ...Object.fromEntries(Object.entries(defaults).filter(([name]) => !process.env[name])),
    NODE_EXTRA_CA_CERTS: certificates.extraCaCerts,
  };
}

async function startApp(app, kafkaBrokers) {
  say(`starting ${app.name} (NODE_ENV=${NODE_ENV})`);
  // setpriv --pdeathsig: the app dies with this script even if it is SIGKILLed (the apps run detached)
  const [command, args] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, mainFile(app)]]
    : [process.execPath, [mainFile(app)]];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    // children write to pipes; keep their colours only when ours reach a terminal
    env: {
      ...process.env,
      ...tlsEnv(app),
      NODE_ENV,
      KAFKA_BROKERS: kafkaBrokers,
      ...(useColour ? {} : { NO_COLOR: '1' }),
    },
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

  const url = `${SCHEME}://127.0.0.1:${app.port}${app.readyPath}`;
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

/**
 * One readiness probe. node:http(s) rather than fetch: this process trusts the local CA only by passing it (its
 * own NODE_EXTRA_CA_CERTS was read when it started). Connection errors and timeouts mean "not listening yet".
 */
function answersOk(url) {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  const ca = certificates ? readFileSync(certificates.caFile) : undefined;
  return new Promise((resolveProbe) => {
    const request = get(url, { ca, timeout: 2000 }, (response) => {
      response.resume();
      response.on('end', () => resolveProbe(response.statusCode >= 200 && response.statusCode < 300));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolveProbe(false));
  });
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
  const [auth, orders, billing] = APPS.map((app) => `${SCHEME}://127.0.0.1:${app.port}`);
  const kafkaNote = broker ? `built-in broker, data ${relative(REPO_ROOT, BROKER_DATA_DIR)}` : 'from KAFKA_BROKERS';
  const basic = `${DEMO_CLIENT.id}:${DEMO_CLIENT.secret}`;
  const curl = certificates ? `curl --cacert ${relative(process.cwd(), certificates.caFile)}` : 'curl';
  const redirects = certificates
    ? APPS.map((app) => `  ${''.padEnd(8)} http://127.0.0.1:${app.redirectPort} → 308 to ${app.name}`)
    : [];
  const lines = [
    '',
    `Stack ready${certificates ? ' over HTTPS (local CA in .dev-certs/ca.crt)' : ''}. Listening:`,
    `  kafka    ${kafkaBrokers}  (${kafkaNote})`,
    ...APPS.map((app) => `  ${app.label.padEnd(8)} ${SCHEME}://127.0.0.1:${app.port}  (${app.describe})`),
    ...redirects,
    '',
    'Walkthrough (paste into another shell; demo-app is the dev seed client, client_secret_basic):',
    '',
    `  TOKEN=$(${curl} -s -u ${basic} -d grant_type=client_credentials --data-urlencode 'scope=orders:read billing:read' \\`,
    `    ${auth}/oauth/token | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    `  ${curl} -i -H "Authorization: Bearer $TOKEN" ${orders}/orders      # 200`,
    `  ${curl} -i -H "Authorization: Bearer $TOKEN" ${billing}/invoices    # 200`,
    `  ${curl} -i -u ${basic} -d "token=$TOKEN" ${auth}/oauth/revoke      # 200, revocation goes out over Kafka`,
    `  ${curl} -i -H "Authorization: Bearer $TOKEN" ${orders}/orders      # 401 invalid_token (revoked)`,
    `  ${curl} -i -H "Authorization: Bearer $TOKEN" ${billing}/invoices    # 401 invalid_token (revoked)`,
    ...(certificates
      ? [`  curl -i http://127.0.0.1:${APPS[1].redirectPort}/orders                 # 308 to ${orders}/orders`]
      : []),
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
