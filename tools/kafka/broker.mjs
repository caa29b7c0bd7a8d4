#!/usr/bin/env node
/**
 * The project's own Apache Kafka broker: fetched from Maven Central (./pom.xml), run as a single-node KRaft
 * broker on loopback, no Docker. Plain Node ESM without dependencies: importable API and CLI.
 *
 * @example
 * // API (tests, dev stack)
 * import { startBroker } from '../tools/kafka/broker.mjs';
 * const broker = await startBroker({ dataDir: '/tmp/kafka-e2e' });
 * process.env.KAFKA_BROKERS = broker.brokers; // '127.0.0.1:<port>'
 * await broker.stop(); // controlled shutdown; startBroker({ dataDir, port, controllerPort }) brings the data back
 *
 * @example
 * // CLI
 * node tools/kafka/broker.mjs fetch
 * node tools/kafka/broker.mjs start --port 19092 --controller-port 19093 --data-dir .kafka/data
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TOOL_DIR = dirname(fileURLToPath(import.meta.url));
/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(TOOL_DIR, '..', '..');
const POM_FILE = join(TOOL_DIR, 'pom.xml');
const COMPLETE_MARKER = '.complete';
const READY_LINE = 'Kafka Server started';
const LOG_TAIL_LINES = 60;
const DEFAULT_HEAP_MB = 512;
const DEFAULT_START_TIMEOUT_MS = 90_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const PORT_POLL_INTERVAL_MS = 100;
const MAX_PORT_ATTEMPTS = 3;
const BIND_FAILURE = /failed to bind to 127\.0\.0\.1:(\d+): Address already in use/;
/** The broker's own principal on a secure listener (inter-broker and broker-to-controller), a super user. */
const SUPER_USER = 'broker';
/** What a secure data dir was formatted with: the super user's credentials and a fingerprint of `secure.users`. */
const SECURE_STATE_FILE = 'secure-listener.json';
// Both StorageTool's `[name=…,password=…]` syntax and the JAAS strings take these characters without quoting rules.
const SCRAM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SCRAM_PASSWORD = /^[A-Za-z0-9._~+/-]{8,256}$/;

/** Typed error for everything that goes wrong around the broker; `code` is stable. */
export class BrokerError extends Error {
  /**
   * @param {'ERR_BROKER_TOOL_MISSING' | 'ERR_BROKER_FETCH_FAILED' | 'ERR_BROKER_PORT_IN_USE' | 'ERR_BROKER_FORMAT_FAILED' | 'ERR_BROKER_START_FAILED' | 'ERR_BROKER_START_TIMEOUT' | 'ERR_BROKER_NOT_FORMATTED' | 'ERR_BROKER_FORMATTED_OTHERWISE'} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'BrokerError';
    this.code = code;
  }
}

/**
 * The Kafka version pinned in tools/kafka/pom.xml.
 *
 * @example
 * const version = await kafkaVersion(); // '4.1.1'
 * @returns {Promise<string>}
 */
export async function kafkaVersion() {
  const pom = await readFile(POM_FILE, 'utf8');
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match) throw new BrokerError('ERR_BROKER_FETCH_FAILED', `no <kafka.version> in ${POM_FILE}`);
  return match[1];
}

/**
 * Makes sure the broker jars are in `<repo>/.kafka/libs-<kafkaVersion>` and returns that folder. A complete
 * folder made from the same pom.xml is reused; otherwise Maven copies the jars into a fresh temporary folder
 * that then replaces the old one (safe against two concurrent fetches).
 *
 * @example
 * const libs = await fetchBroker(); // '/work/main/.kafka/libs-4.1.1'
 * @param {{ quiet?: boolean }} [options] quiet=false lets Maven print to this process's stderr
 * @returns {Promise<string>}
 */
export async function fetchBroker({ quiet = true } = {}) {
  const version = await kafkaVersion();
  const pomHash = createHash('sha256')
    .update(await readFile(POM_FILE))
    .digest('hex');
  const libsDir = join(REPO_ROOT, '.kafka', `libs-${version}`);
  if (await isCompleteLibs(libsDir, pomHash)) return libsDir;

  requireTool(javaCommand(), ['-version'], 'Java 17+ (set JAVA_HOME or put java on PATH)');
  requireTool(mavenCommand(), ['-v'], 'Apache Maven (mvn on PATH)');
  await mkdir(dirname(libsDir), { recursive: true });
  const stagingDir = `${libsDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const args = ['-q', '-B', '-Dstyle.color=never', '-f', POM_FILE, 'dependency:copy-dependencies'];
    args.push(`-DoutputDirectory=${stagingDir}`);
    const result = await run(mavenCommand(), args, { inherit: !quiet });
    if (result.code !== 0) {
      throw new BrokerError(
        'ERR_BROKER_FETCH_FAILED',
        `mvn dependency:copy-dependencies exited with ${result.code}:\n${tail(result.output)}`,
      );
    }
    const jars = (await readdir(stagingDir)).filter((name) => name.endsWith('.jar')).sort();
    if (!jars.some((name) => name.startsWith('kafka_2.13-'))) {
      throw new BrokerError('ERR_BROKER_FETCH_FAILED', `mvn copied no kafka_2.13 jar into ${stagingDir}`);
    }
    await writeFile(join(stagingDir, COMPLETE_MARKER), JSON.stringify({ pomHash, jars }, null, 2));
    if (await isCompleteLibs(libsDir, pomHash)) return libsDir; // another process finished first
    await rm(libsDir, { recursive: true, force: true });
    await rename(stagingDir, libsDir);
    return libsDir;
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/**
 * A fresh KRaft cluster id: 16 random bytes in base64url (22 chars), the form `StorageTool random-uuid` prints.
 * The first byte's top bit is cleared, so the id always starts with one of A-Z or a-f: an id starting with '-'
 * is taken for an option by StorageTool's argument parser (1 draw in 64 with plain random bytes), and Kafka's
 * own generator never hands one out either.
 *
 * @example
 * const clusterId = randomClusterId(); // 'EVqYf1oWS0mG7RbbnbmTNw'
 * @returns {string}
 */
export function randomClusterId() {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('base64url');
}

/**
 * Starts a single-node KRaft broker (combined broker+controller) on 127.0.0.1 and resolves once it logged
 * `Kafka Server started` and accepts TCP connections. Restartable: after `stop()`, calling it again with the
 * same `dataDir` (and ports) brings the same data back, because the directory is formatted only once.
 *
 * With `secure`, the client listener is `SASL_SSL` (TLS with the given PEM key and certificate, SCRAM-SHA-256
 * users created when the data dir is formatted) and the KRaft `StandardAuthorizer` refuses everything no ACL
 * allows; `superUser` (the broker's own principal) may create those ACLs.
 *
 * @example
 * const broker = await startBroker({ dataDir: join(tmp, 'kafka'), onLog: (line) => console.log(line) });
 * // ... broker.brokers === '127.0.0.1:' + broker.port
 * await broker.stop();
 *
 * @example
 * const secure = await startBroker({
 *   secure: { keyPem, certificateChainPem, caPem, users: [{ username: 'auth-service', password }] },
 * });
 * // clients: ssl { ca: [caPem] }, sasl { mechanism: 'scram-sha-256', username: 'auth-service', password }
 * // ACLs: an admin client with secure.superUser
 *
 * @param {object} [options]
 * @param {number} [options.port] client port (PLAINTEXT, or SASL_SSL with `secure`); default: a free ephemeral
 *   port (picked again, up to 3 times, if another process takes it before the JVM binds it; a port given here
 *   that is taken fails with ERR_BROKER_PORT_IN_USE)
 * @param {number} [options.controllerPort] KRaft controller port; default: a free ephemeral port (same as port)
 * @param {string} [options.dataDir] holds server.properties, log4j2.properties, broker.log and the log dirs;
 *   default: a new temporary folder (kept after stop, so the caller may restart on it; remove it yourself)
 * @param {'if-needed' | 'always' | 'never'} [options.format] 'if-needed' formats an unformatted dataDir,
 *   'always' wipes the Kafka log dir and formats a new cluster, 'never' fails when unformatted
 * @param {number} [options.heapMb] JVM heap (-Xms/-Xmx), default 512
 * @param {string} [options.logFile] where the broker's output is appended, default `<dataDir>/broker.log`
 * @param {'ERROR' | 'WARN' | 'INFO' | 'DEBUG'} [options.logLevel] level of the kafka/org.apache loggers, default WARN
 * @param {(line: string) => void} [options.onLog] receives each output line of the broker JVM
 * @param {number} [options.startTimeoutMs] default 90000
 * @param {number} [options.stopTimeoutMs] how long stop() waits after SIGTERM before SIGKILL, default 30000
 * @param {Record<string, string | number | boolean>} [options.extraProperties] added to server.properties
 * @param {string[]} [options.extraJvmArgs] added to the JVM command line before the class path
 * @param {boolean} [options.detached] own process group, so a terminal Ctrl-C reaches only this process and the
 *   caller decides when the broker stops (it still dies with this process: 'exit' handler + pdeathsig)
 * @param {{ keyPem: string; certificateChainPem: string; caPem: string; users: Array<{ username: string; password: string }> }} [options.secure]
 *   a SASL_SSL client listener instead of PLAINTEXT: `keyPem` unencrypted PKCS#8 key of `certificateChainPem`
 *   (whose SAN must hold IP:127.0.0.1), `caPem` the CA the broker's own connections trust, `users` the SCRAM-SHA-256
 *   users created at format time (a restart on the same dataDir must pass the same users). The controller listener
 *   stays on loopback with SASL/PLAIN for the broker's own principal only.
 * @returns {Promise<{ brokers: string; port: number; controllerPort: number; dataDir: string; logFile: string; pid: number; startedInMs: number; securityProtocol: 'PLAINTEXT' | 'SASL_SSL'; superUser?: { username: string; password: string }; exited: Promise<{ code: number | null; signal: string | null; expected: boolean }>; stop(): Promise<void> }>}
 *   `exited` settles when the JVM is gone (`expected` is false when it died without stop()); `superUser` (with
 *   `secure`) is the broker's own SCRAM principal, a Kafka super user
 */
export async function startBroker(options = {}) {
  const {
    format = 'if-needed',
    heapMb = DEFAULT_HEAP_MB,
    logLevel = 'WARN',
    onLog,
    startTimeoutMs = DEFAULT_START_TIMEOUT_MS,
    stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS,
    extraProperties = {},
    extraJvmArgs = [],
    detached = false,
  } = options;
  if (!['if-needed', 'always', 'never'].includes(format)) {
    throw new TypeError(`startBroker: format must be 'if-needed', 'always' or 'never', got ${String(format)}`);
  }
  const startedAt = Date.now();
  const deadline = startedAt + startTimeoutMs;
  const libsDir = await fetchBroker();
  const dataDir = resolve(options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kafka-broker-'))));
  const logFile = resolve(options.logFile ?? join(dataDir, 'broker.log'));
  const kafkaLogDir = join(dataDir, 'kraft-logs');
  await mkdir(dataDir, { recursive: true });

  const formatting = mustFormat(format, kafkaLogDir);
  const security = await prepareSecurity({ secure: options.secure, dataDir, formatting });
  const propertiesFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j2.properties');
  const writeServerProperties = async ([port, controllerPort]) => {
    await writeFile(propertiesFile, serverProperties({ port, controllerPort, kafkaLogDir, security, extraProperties }));
    await chmod(propertiesFile, 0o600); // a secure listener's JAAS lines hold the broker's own password
  };
  let ports = await pickPorts(options.port, options.controllerPort);
  await writeServerProperties(ports);
  await writeFile(log4jFile, log4jProperties(logLevel));

  const jvmBase = [`-Dlog4j2.configurationFile=${pathToFileURL(log4jFile).href}`, '-cp', join(libsDir, '*')];
  if (formatting) await formatStorage({ kafkaLogDir, propertiesFile, jvmBase, security });

  const java = javaCommand();
  const jvmArgs = [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    ...extraJvmArgs,
    ...jvmBase,
    'kafka.Kafka',
    propertiesFile,
  ];
  // setpriv --pdeathsig: the kernel sends SIGTERM to the JVM if this node process dies in any way (even SIGKILL),
  // which the 'exit' handler cannot cover. Falls back to plain java where setpriv is missing.
  const [command, args] = existsSync('/usr/bin/setpriv')
    ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', java, ...jvmArgs]]
    : [java, jvmArgs];

  for (let attempt = 1; ; attempt += 1) {
    const [port, controllerPort] = ports;
    const launched = await launchBroker({
      command,
      args,
      dataDir,
      logFile,
      port,
      detached,
      onLog,
      deadline,
      startTimeoutMs,
      stopTimeoutMs,
    });
    if ('handle' in launched) {
      return {
        ...launched.handle,
        controllerPort,
        dataDir,
        startedInMs: Date.now() - startedAt,
        securityProtocol: security === null ? 'PLAINTEXT' : 'SASL_SSL',
        ...(security === null ? {} : { superUser: { ...security.superUser } }),
      };
    }
    // Free ports are picked seconds before the JVM binds them (format and JVM boot lie in between), and any
    // process may take one meanwhile, the broker's own outgoing connections included. A port picked here is
    // simply picked again; a port the caller asked for really is in use.
    const pickedHere =
      (launched.portInUse === port && options.port === undefined) ||
      (launched.portInUse === controllerPort && options.controllerPort === undefined);
    if (!pickedHere || attempt >= MAX_PORT_ATTEMPTS) throw launched.error;
    await appendFile(
      logFile,
      `# broker.mjs: 127.0.0.1:${launched.portInUse} was taken before the broker bound it; starting on new ports\n`,
    );
    ports = await pickPorts(options.port, options.controllerPort);
    await writeServerProperties(ports);
  }
}

/**
 * Runs the broker JVM once and waits until it is ready, or reports the port it could not bind.
 *
 * @param {{ command: string; args: string[]; dataDir: string; logFile: string; port: number; detached: boolean; onLog?: (line: string) => void; deadline: number; startTimeoutMs: number; stopTimeoutMs: number }} p
 * @returns {Promise<{ handle: { brokers: string; port: number; logFile: string; pid: number; exited: Promise<{ code: number | null; signal: string | null; expected: boolean }>; stop(): Promise<void> } } | { portInUse: number; error: BrokerError }>}
 */
async function launchBroker({
  command,
  args,
  dataDir,
  logFile,
  port,
  detached,
  onLog,
  deadline,
  startTimeoutMs,
  stopTimeoutMs,
}) {
  const logStream = createWriteStream(logFile, { flags: 'a' });
  const recent = [];
  const child = spawn(command, args, { cwd: dataDir, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let ready = false;
  let portInUse;
  let resolveReadyLine;
  const readyLine = new Promise((resolveLine) => (resolveReadyLine = resolveLine));
  const onLine = (line) => {
    recent.push(line);
    if (recent.length > LOG_TAIL_LINES) recent.shift();
    logStream.write(`${line}\n`);
    if (!ready && line.includes(READY_LINE)) resolveReadyLine();
    // noted as it streams by: the stack traces that follow push it out of `recent`
    const bindFailure = ready || portInUse !== undefined ? null : BIND_FAILURE.exec(line);
    if (bindFailure) portInUse = Number(bindFailure[1]);
    onLog?.(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }

  // 'close', not 'exit': at 'exit' the pipes may still hold the JVM's last lines (often the reason it died),
  // which would then be missing from the error or written to an ended log stream (an unhandled 'error').
  const exited = new Promise((resolveExit) => {
    child.once('error', (error) => resolveExit({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolveExit({ code, signal, error: undefined }));
  });
  child.once('close', () => logStream.end());
  // waited for wherever the broker is reported gone: a caller that exits right after (the CLI, the dev stack)
  // would otherwise lose broker.log's last lines, still queued in this stream
  const logClosed = new Promise((resolveLog) => logStream.once('close', resolveLog));
  let exitInfo;
  void exited.then((info) => {
    exitInfo = info;
    process.off('exit', killOnExit);
  });

  const failure = (code, reason, cause) =>
    new BrokerError(
      code,
      `Kafka broker on 127.0.0.1:${port} ${reason}; log ${logFile}, last lines:\n${recent.join('\n')}`,
      {
        cause,
      },
    );
  const startTimer = timer(Math.max(0, deadline - Date.now()));
  try {
    const outcome = await Promise.race([
      readyLine.then(() => waitForPort(port, deadline)).then(() => 'ready'),
      exited.then(() => 'exited'),
      startTimer.elapsed.then(() => 'timeout'),
    ]);
    if (outcome === 'exited') {
      await logClosed;
      if (portInUse !== undefined) {
        return { portInUse, error: failure('ERR_BROKER_PORT_IN_USE', `could not bind 127.0.0.1:${portInUse}`) };
      }
      const how = exitInfo.error
        ? `could not start (${exitInfo.error.message})`
        : `exited early (${describeExit(exitInfo)})`;
      throw failure('ERR_BROKER_START_FAILED', how, exitInfo.error);
    }
    if (outcome === 'timeout') throw failure('ERR_BROKER_START_TIMEOUT', `not ready within ${startTimeoutMs} ms`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await logClosed;
    throw error;
  } finally {
    startTimer.cancel();
  }
  ready = true;
  // A running broker never keeps this process alive on its own (a test that forgets stop() must not hang jest);
  // the 'exit' handler and pdeathsig kill it when this process ends.
  setReferenced(child, false);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (!exitInfo) {
        setReferenced(child, true); // the controlled shutdown must finish even if nothing else keeps us alive
        child.kill('SIGTERM');
        const stopTimer = timer(stopTimeoutMs);
        const outcome = await Promise.race([exited.then(() => 'exited'), stopTimer.elapsed.then(() => 'timeout')]);
        stopTimer.cancel();
        if (outcome === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await logClosed;
    })();
    return stopping;
  };

  return {
    handle: {
      brokers: `127.0.0.1:${port}`,
      port,
      logFile,
      pid: child.pid,
      exited: exited.then(async ({ code, signal }) => {
        const expected = stopping !== undefined; // as the JVM went, not as the log stream closed
        await logClosed;
        return { code, signal, expected };
      }),
      stop,
    },
  };
}

/**
 * @typedef {{ superUser: { username: string; password: string }; users: Array<{ username: string; password: string }>; keystoreFile: string; truststoreFile: string }} Security
 */

/** @param {{ port: number; controllerPort: number; kafkaLogDir: string; security: Security | null; extraProperties: Record<string, unknown> }} p */
function serverProperties({ port, controllerPort, kafkaLogDir, security, extraProperties }) {
  const properties = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    ...(security === null ? plaintextListeners(port, controllerPort) : secureListeners(port, controllerPort, security)),
    'log.dirs': kafkaLogDir,
    // one node: every internal topic has replication factor 1, or consumer groups never find a coordinator
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'num.partitions': 1,
    // no 3 s wait on the first join of every consumer group
    'group.initial.rebalance.delay.ms': 0,
    // small box (2 cores)
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 2,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 33554432,
    'auto.create.topics.enable': false,
    ...extraProperties,
  };
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${String(value)}`);
  return `# Written by tools/kafka/broker.mjs on every start; edits are overwritten.\n${lines.join('\n')}\n`;
}

/** @param {number} port @param {number} controllerPort */
function plaintextListeners(port, controllerPort) {
  return {
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  };
}

/**
 * Clients (and the broker's own inter-broker connections) on SASL_SSL with SCRAM-SHA-256; the controller listener
 * on loopback with SASL/PLAIN whose only user is the broker itself (SCRAM credentials live in the metadata log the
 * controller serves, so the controller's own listener cannot depend on them). Nothing is allowed without an ACL
 * except to the broker's principal.
 *
 * @param {number} port @param {number} controllerPort @param {Security} security
 */
function secureListeners(port, controllerPort, { superUser, keystoreFile, truststoreFile }) {
  const { username, password } = superUser;
  return {
    listeners: `SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'SASL_SSL',
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`,
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}" user_${username}="${password}";`,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': keystoreFile,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': truststoreFile,
    'ssl.client.auth': 'none',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': false,
    'super.users': `User:${username}`,
  };
}

/**
 * Checks the `secure` option and writes the PEM stores into `<dataDir>/tls`. The broker's own SCRAM credentials
 * are made when the dir is formatted and kept in `<dataDir>/secure-listener.json` for restarts; a restart must
 * pass the users it was formatted with (they exist only from format time) and keep the listener kind.
 *
 * @param {{ secure: unknown; dataDir: string; formatting: boolean }} p
 * @returns {Promise<Security | null>}
 */
async function prepareSecurity({ secure, dataDir, formatting }) {
  const stateFile = join(dataDir, SECURE_STATE_FILE);
  if (secure === undefined) {
    if (formatting) await rm(stateFile, { force: true });
    else if (existsSync(stateFile)) {
      throw new BrokerError(
        'ERR_BROKER_FORMATTED_OTHERWISE',
        `${dataDir} was formatted with a secure listener: pass the same \`secure\` option, or format: 'always'`,
      );
    }
    return null;
  }
  const { keyPem, certificateChainPem, caPem, users } = checkSecureOption(secure);
  const usersFingerprint = fingerprintUsers(users);
  let superUser;
  if (formatting) {
    superUser = { username: SUPER_USER, password: randomBytes(24).toString('base64url') };
    await writeFile(stateFile, JSON.stringify({ superUser, usersFingerprint }), { mode: 0o600 });
  } else {
    const state = await readSecureState(stateFile, dataDir);
    if (state.usersFingerprint !== usersFingerprint) {
      throw new BrokerError(
        'ERR_BROKER_FORMATTED_OTHERWISE',
        `${dataDir} was formatted with other secure.users (SCRAM users are created at format time): pass the same users, or format: 'always'`,
      );
    }
    superUser = state.superUser;
  }
  const tlsDir = join(dataDir, 'tls');
  await mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const keystoreFile = join(tlsDir, 'broker-keystore.pem');
  const truststoreFile = join(tlsDir, 'ca.pem');
  await writeFile(keystoreFile, `${keyPem.trim()}\n${certificateChainPem.trim()}\n`, { mode: 0o600 });
  await chmod(keystoreFile, 0o600);
  await writeFile(truststoreFile, `${caPem.trim()}\n`);
  return { superUser, users, keystoreFile, truststoreFile };
}

/** @param {unknown} secure */
function checkSecureOption(secure) {
  const fail = (what) => {
    throw new TypeError(`startBroker: secure.${what}`);
  };
  if (typeof secure !== 'object' || secure === null) fail('must be an object');
  const { keyPem, certificateChainPem, caPem, users } = /** @type {Record<string, unknown>} */ (secure);
  if (typeof keyPem !== 'string' || !keyPem.includes('-----BEGIN PRIVATE KEY-----')) {
    fail('keyPem must be an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)');
  }
  for (const [name, pem] of Object.entries({ certificateChainPem, caPem })) {
    if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----'))
      fail(`${name} must be PEM certificates`);
  }
  if (!Array.isArray(users)) fail('users must be an array of { username, password }');
  const names = new Set([SUPER_USER]);
  for (const user of users) {
    const { username, password } = user ?? {};
    if (typeof username !== 'string' || !SCRAM_NAME.test(username)) fail(`users: username must match ${SCRAM_NAME}`);
    if (names.has(username)) fail(`users: '${username}' is reserved or listed twice`);
    names.add(username);
    if (typeof password !== 'string' || !SCRAM_PASSWORD.test(password)) {
      fail(`users: the password of '${username}' must match ${SCRAM_PASSWORD}`);
    }
  }
  return { keyPem, certificateChainPem, caPem, users: users.map(({ username, password }) => ({ username, password })) };
}

/** Same users and passwords give the same value, without storing the passwords. */
function fingerprintUsers(users) {
  const sorted = users.map(({ username, password }) => [username, password]).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

async function readSecureState(stateFile, dataDir) {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    throw new BrokerError(
      'ERR_BROKER_FORMATTED_OTHERWISE',
      `${dataDir} was formatted without a secure listener: drop the \`secure\` option, or format: 'always'`,
      { cause: error },
    );
  }
}

/** @param {string} level */
function log4jProperties(level) {
  return [
    '# Written by tools/kafka/broker.mjs on every start; edits are overwritten.',
    'status = warn',
    'shutdownHook = disable',
    'appender.console.type = Console',
    'appender.console.name = STDOUT',
    'appender.console.target = SYSTEM_OUT',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d{HH:mm:ss.SSS}] %p %m (%c)%n',
    `rootLogger.level = ${level}`,
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    // the readiness line ("Kafka Server started") and the shutdown line are logged at INFO by this class
    'logger.raftserver.name = kafka.server.KafkaRaftServer',
    'logger.raftserver.level = INFO',
    // state-change and request logs are chatty and useless on one node
    'logger.statechange.name = state.change.logger',
    'logger.statechange.level = WARN',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = WARN',
    '',
  ].join('\n');
}

/** Whether `format` asks to format `kafkaLogDir` now; 'never' on an unformatted dir fails. */
function mustFormat(format, kafkaLogDir) {
  const formatted = existsSync(join(kafkaLogDir, 'meta.properties'));
  if (format === 'never' && !formatted) {
    throw new BrokerError('ERR_BROKER_NOT_FORMATTED', `${kafkaLogDir} is not formatted and format is 'never'`);
  }
  return format === 'always' || (format === 'if-needed' && !formatted);
}

/**
 * Wipes `kafkaLogDir` and formats a new cluster in it; a secure listener's SCRAM users are created here (the
 * only way to have them before the first client connects).
 *
 * @param {{ kafkaLogDir: string; propertiesFile: string; jvmBase: string[]; security: Security | null }} p
 */
async function formatStorage({ kafkaLogDir, propertiesFile, jvmBase, security }) {
  await rm(kafkaLogDir, { recursive: true, force: true });
  const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', ...jvmBase, 'kafka.tools.StorageTool', 'format'];
  // one argv word, so the value can never be parsed as an option whatever it starts with
  args.push(`--cluster-id=${randomClusterId()}`, '--config', propertiesFile);
  if (security !== null) {
    for (const { username, password } of [security.superUser, ...security.users]) {
      args.push(`--add-scram=SCRAM-SHA-256=[name=${username},password=${password}]`);
    }
  }
  const result = await run(javaCommand(), args);
  if (result.code !== 0) {
    throw new BrokerError(
      'ERR_BROKER_FORMAT_FAILED',
      `StorageTool format exited with ${result.code}:\n${tail(result.output)}`,
    );
  }
}

/** @param {number | undefined} port @param {number | undefined} controllerPort @returns {Promise<[number, number]>} */
async function pickPorts(port, controllerPort) {
  const held = [];
  try {
    const take = async (wanted, what) => {
      try {
        const server = await listen(wanted ?? 0);
        held.push(server);
        return server.address().port;
      } catch (error) {
        if (error.code !== 'EADDRINUSE') throw error;
        throw new BrokerError(
          'ERR_BROKER_PORT_IN_USE',
          `${what} port 127.0.0.1:${wanted} is already in use (another broker? set KAFKA_BROKERS to reuse it)`,
          { cause: error },
        );
      }
    };
    // both sockets stay bound until both are chosen, so two ephemeral picks cannot collide
    const brokerPort = await take(port, 'broker');
    const ctrlPort = await take(controllerPort, 'controller');
    return [brokerPort, ctrlPort];
  } finally {
    await Promise.all(held.map((server) => new Promise((done) => server.close(() => done()))));
  }
}

/** @param {number} port @returns {Promise<import('node:net').Server>} */
function listen(port) {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolveServer(server));
  });
}

/** Bounded poll until a TCP connection to 127.0.0.1:port succeeds. */
async function waitForPort(port, deadline) {
  for (;;) {
    if (await canConnect(port)) return;
    if (Date.now() >= deadline) throw new BrokerError('ERR_BROKER_START_TIMEOUT', `127.0.0.1:${port} never accepted`);
    await delay(PORT_POLL_INTERVAL_MS);
  }
}

function canConnect(port) {
  return new Promise((resolveConnect) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveConnect(false);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

async function isCompleteLibs(libsDir, pomHash) {
  try {
    const marker = JSON.parse(await readFile(join(libsDir, COMPLETE_MARKER), 'utf8'));
    if (marker.pomHash !== pomHash || !Array.isArray(marker.jars) || marker.jars.length === 0) return false;
    const present = new Set(await readdir(libsDir));
    return marker.jars.every((jar) => present.has(jar));
  } catch (error) {
    if (error.code === 'ENOENT' || error instanceof SyntaxError) return false;
    throw error;
  }
}

function javaCommand() {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function mavenCommand() {
  return 'mvn';
}

function requireTool(command, args, what) {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (probe.error?.code === 'ENOENT') {
    throw new BrokerError(
      'ERR_BROKER_TOOL_MISSING',
      `${what} is required to fetch/run the Kafka broker: '${command}' not found`,
    );
  }
  if (probe.error) throw probe.error;
}

/** Runs a command to completion, collecting stdout+stderr (or inheriting them). */
function run(command, args, { inherit = false } = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new BrokerError('ERR_BROKER_TOOL_MISSING', `'${command}' not found on PATH`, { cause: error })
          : error,
      ),
    );
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

function tail(text, lines = LOG_TAIL_LINES) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function describeExit({ code, signal }) {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function delay(ms) {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

/** A cancellable timeout: `elapsed` resolves after `ms` unless `cancel()` ran first. */
function timer(ms) {
  let handle;
  const elapsed = new Promise((resolveTimer) => (handle = setTimeout(resolveTimer, ms)));
  return { elapsed, cancel: () => clearTimeout(handle) };
}

/** ref()/unref() the child and its output pipes together. */
function setReferenced(child, referenced) {
  for (const handle of [child, child.stdout, child.stderr]) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage:
  node tools/kafka/broker.mjs fetch
  node tools/kafka/broker.mjs start [--port 19092] [--controller-port 19093] [--data-dir .kafka/data]
                                    [--heap-mb 512] [--fresh] [--log-level WARN]`;

async function cli(argv) {
  const [command, ...rest] = argv;
  if (command === 'fetch') {
    const startedAt = Date.now();
    const libsDir = await fetchBroker();
    process.stderr.write(`Kafka ${await kafkaVersion()} jars ready in ${Date.now() - startedAt} ms\n`);
    process.stdout.write(`${libsDir}\n`);
    return 0;
  }
  if (command === 'start') return cliStart(parseFlags(rest));
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

/** @param {Map<string, string | true>} flags */
async function cliStart(flags) {
  const port = Number(flags.get('port') ?? 19092);
  const controllerPort = Number(flags.get('controller-port') ?? 19093);
  const heapMb = Number(flags.get('heap-mb') ?? DEFAULT_HEAP_MB);
  for (const [name, value] of [
    ['port', port],
    ['controller-port', controllerPort],
    ['heap-mb', heapMb],
  ]) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`--${name} must be a positive integer`);
  }
  const dataDir = resolve(String(flags.get('data-dir') ?? join(REPO_ROOT, '.kafka', 'data')));
  const broker = await startBroker({
    port,
    controllerPort,
    dataDir,
    heapMb,
    format: flags.has('fresh') ? 'always' : 'if-needed',
    logLevel: String(flags.get('log-level') ?? 'WARN').toUpperCase(),
    onLog: (line) => process.stdout.write(`${line}\n`),
  });
  process.stderr.write(
    `Kafka broker ready in ${broker.startedInMs} ms (data ${broker.dataDir}, log ${broker.logFile})\n`,
  );
  process.stdout.write(`KAFKA_BROKERS=${broker.brokers}\n`);
  const keepAlive = setInterval(() => {}, 1 << 30); // the broker handle is unref'd; the CLI stays in the foreground
  return new Promise((resolveCli) => {
    void broker.exited.then(({ code, signal, expected }) => {
      if (expected) return;
      process.stderr.write(
        `Kafka broker died unexpectedly (${describeExit({ code, signal })}); log ${broker.logFile}\n`,
      );
      clearInterval(keepAlive);
      resolveCli(1);
    });
    const shutdown = (signal) => {
      process.stderr.write(`${signal}: stopping the Kafka broker\n`);
      const stopStartedAt = Date.now();
      void broker.stop().then(() => {
        process.stderr.write(`Kafka broker stopped in ${Date.now() - stopStartedAt} ms\n`);
        clearInterval(keepAlive);
        resolveCli(0);
      });
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

/** @param {string[]} args @returns {Map<string, string | true>} */
function parseFlags(args) {
  const flags = new Map();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new TypeError(`unexpected argument '${arg}'\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) flags.set(name, inline);
    else if (args[i + 1] !== undefined && !args[i + 1].startsWith('--')) flags.set(name, args[(i += 1)]);
    else flags.set(name, true);
  }
  return flags;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof BrokerError ? `${error.code}: ` : ''}${error.message}\n`);
      process.exit(1);
    },
  );
}
