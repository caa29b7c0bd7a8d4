/**
 * The library as an outside team adopts it: `npm pack` of libs/auth, installed from the tarball (plus Nest from
 * the registry) into a fresh app in a temporary folder outside the repository, compiled, and run with plain Node
 * against the test broker and an auth service. The app (test/package-consumer) is the README's quick start.
 * Prints the tarball size and the time from `npm install` to the first 200.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { spawnNodeProcess, type ChildService } from './support/built-service.js';
import { tamper } from './support/crafted-tokens.js';
import { freePort } from './support/free-port.js';
import { callWithToken, clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import { startAuthService, uniqueKafkaSetup, type KafkaSetup } from './support/services.js';
import { waitFor } from './support/wait-for.js';

const run = promisify(execFile);

const PACKAGE_NAME = '@auth-layer/nest-auth';
/** What the outside app installs besides the tarball, as a team starting a Nest service would. */
const REGISTRY_PACKAGES = [
  '@nestjs/common@^12',
  '@nestjs/core@^12',
  '@nestjs/platform-express@^12',
  'reflect-metadata@^0.2',
  'rxjs@^7',
  '@types/node@^20',
];
const STEP_TIMEOUT_MS = 180_000;

let workDir: string;
let appDir: string;
let tarball: string;
let auth: Awaited<ReturnType<typeof startAuthService>>;
let app: ChildService;
let appUrl: string;
let readToken: string;
let packMs: number;

/** Runs a command to completion; its output is kept for the error when it fails. */
async function step(command: string, args: string[], cwd: string): Promise<void> {
  try {
    // The parent's NODE_OPTIONS (jest's --experimental-vm-modules) is not the outside app's.
    await run(command, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, timeout: STEP_TIMEOUT_MS });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

/** `npm pack` of libs/auth (its prepack builds the package) into `destination`; the tarball's path. */
async function packLibrary(destination: string): Promise<string> {
  await step('npm', ['pack', '--pack-destination', destination], join(REPO_ROOT, 'libs', 'auth'));
  const [file] = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
  if (file === undefined) throw new Error(`npm pack left no tarball in ${destination}`);
  return join(destination, file);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module specifier a built file imports or re-exports, statically or dynamically. */
function specifiersIn(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map(([, specifier]) => specifier);
}

/** The package a bare specifier names (`@scope/name` or `name`), or undefined for relative and built-in ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Builds and packs the library (a child process) while the auth service starts in this process. */
async function packWhileAuthStarts(kafka: KafkaSetup): Promise<void> {
  const started = performance.now();
  const [packed, running] = await Promise.allSettled([
    packLibrary(workDir).finally(() => (packMs = performance.now() - started)),
    startAuthService(kafka),
  ]);
  if (running.status === 'fulfilled') auth = running.value; // closed by afterAll even when the pack failed
  if (packed.status === 'rejected') throw packed.reason;
  if (running.status === 'rejected') throw running.reason;
  tarball = packed.value;
}

/** The app's main.js, run by plain Node with nothing but its own node_modules and its variables. */
function startOutsideApp(port: number, kafka: KafkaSetup): ChildService {
  return spawnNodeProcess(join(appDir, 'dist', 'main.js'), {
    cwd: appDir,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      PORT: String(port),
      ISSUER: auth.config.issuer,
      KAFKA_BROKERS: kafka.brokers,
      REVOCATIONS_TOPIC: kafka.revocationsTopic,
      KEYS_TOPIC: kafka.keysTopic,
    },
  });
}

/** Polls the guarded route until it answers 200 (the app listens, then catches up with the topics). */
async function waitForFirstOk(): Promise<void> {
  let exit: unknown;
  void app.exited.then((status) => (exit = status));
  const firstOk = async () => {
    if (exit !== undefined) throw new Error(`the app exited (${JSON.stringify(exit)})`);
    const answer = await fetch(`${appUrl}/orders`, { headers: { authorization: `Bearer ${readToken}` } }).catch(
      () => undefined, // not listening yet
    );
    return answer?.status === 200 ? true : undefined;
  };
  await waitFor('a 200 from the outside app', firstOk, { timeoutMs: 60_000, intervalMs: 50 }).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${app.lines.join('\n')}`, { cause: error });
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'auth-layer-package-'));
  if (!relative(REPO_ROOT, workDir).startsWith('..')) throw new Error(`${workDir} is inside the repository`);
  const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  await packWhileAuthStarts(kafka);
  readToken = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
  appDir = join(workDir, 'app');
  cpSync(join(REPO_ROOT, 'test', 'package-consumer'), appDir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;

  const installStarted = performance.now();
  await step('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...REGISTRY_PACKAGES], appDir);
  const installed = performance.now();
  // The app's TypeScript build: tsc is a build tool here; what runs is only the app's own node_modules.
  await step(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', appDir], appDir);
  const compiled = performance.now();
  app = startOutsideApp(port, kafka);
  await waitForFirstOk();
  const firstOk = performance.now();
  console.log(
    `package install: tarball ${(statSync(tarball).size / 1024).toFixed(1)} kB (build and pack ${seconds(packMs)}); ` +
      `npm install → first 200 in ${seconds(firstOk - installStarted)} (npm install ` +
      `${seconds(installed - installStarted)}, tsc ${seconds(compiled - installed)}, start and catch-up ` +
      `${seconds(firstOk - compiled)})`,
  );
}, 600_000);

afterAll(async () => {
  await app?.kill('SIGTERM');
  await auth?.close();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed library', () => {
  it('is installed from the tarball, with only the built library in it', () => {
    const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
    expect(manifest.dependencies[PACKAGE_NAME]).toMatch(/^file:.*\.tgz$/);
    const root = join(appDir, 'node_modules', ...PACKAGE_NAME.split('/'));
    const files = filesUnder(root).map((file) => relative(root, file));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/auth/src/index.js']));
    expect(files.filter((file) => !/^(package\.json|README\.md|dist\/.*\.(js|d\.ts))$/.test(file))).toEqual([]);
  });

  it('loads nothing from this repository and no package it does not declare', () => {
    const root = join(appDir, 'node_modules', ...PACKAGE_NAME.split('/'));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const specifiers = filesUnder(join(root, 'dist')).flatMap(specifiersIn);
    expect(specifiers.length).toBeGreaterThan(100);
    expect(specifiers.filter((specifier) => specifier.startsWith('@app/'))).toEqual([]);
    const packages = new Set(specifiers.map(packageOf).filter((name) => name !== undefined));
    expect([...packages].filter((name) => !declared.has(name))).toEqual([]);
    expect([...packages]).toEqual(expect.arrayContaining(['@nestjs/common', 'jose', 'kafkajs']));
  });
});

describe('a guarded route of the outside app (RFC 6750, as libs/auth/README.md documents)', () => {
  it('answers 200 to a token with the scope, the handler seeing its claims', async () => {
    const answer = await callWithToken(`${appUrl}/orders`, readToken);
    expect(answer).toMatchObject({ status: 200, body: { orders: [], subject: `client:${CLIENTS.demo.id}` } });
  });

  it('answers 401 with a bare challenge when there is no token', async () => {
    const answer = await callWithToken(`${appUrl}/orders`);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toBe('Bearer realm="orders-service"');
    expect(answer.body).toMatchObject({ error: 'unauthorized', errorCode: 'ERR_TOKEN_MISSING' });
  });

  it('answers 401 invalid_token to a token whose claims were changed after signing', async () => {
    const widened = tamper(readToken, { scope: 'orders:read orders:write' });
    const answer = await callWithToken(`${appUrl}/orders`, widened);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(
      /^Bearer realm="orders-service", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(answer.body).toMatchObject({ error: 'invalid_token', errorCode: 'ERR_TOKEN_SIGNATURE_INVALID' });
    expect(JSON.stringify(answer.body)).not.toContain(widened);
  });

  it('answers 403 insufficient_scope naming the missing scope', async () => {
    const response = await fetch(`${appUrl}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="orders-service", error="insufficient_scope", error_description="[^"]+", scope="orders:write"$/,
    );
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope', errorCode: 'ERR_INSUFFICIENT_SCOPE' });
  });

  it('opens a @Public() route, which reads the framework-free core entry', async () => {
    const answer = await callWithToken(`${appUrl}/orders/policy`);
    expect(answer).toMatchObject({ status: 200, body: { algorithms: ['ES256', 'EdDSA', 'RS256'] } });
  });

  it('refuses a token once it is revoked at the auth service (the event reaches it over Kafka)', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    expect((await callWithToken(`${appUrl}/orders`, token)).status).toBe(200);
    expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
    const refused = await waitFor('the revocation at the outside app', async () => {
      const answer = await callWithToken(`${appUrl}/orders`, token);
      return answer.status === 401 ? answer : undefined;
    });
    expect(refused.body).toMatchObject({ error: 'invalid_token', errorCode: 'ERR_TOKEN_REVOKED' });
  });
});
