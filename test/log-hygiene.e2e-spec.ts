import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createAppLogger, requestLogging } from '@app/http';
import { KeyLifecycle } from '../apps/auth-service/src/keys/key-lifecycle.service.js';
import { REPO_ROOT } from '../tools/kafka/broker.mjs';
import { CapturingLogger } from './support/capturing-logger.js';
import { claimsOf, hs256WithPublicKey, tamper, unsigned } from './support/crafted-tokens.js';
import { callWithToken, CLIENTS, introspect, requestToken, revokeToken, type Client } from './support/oauth-client.js';
import {
  startAuthService,
  startBillingService,
  startOrdersService,
  uniqueKafkaSetup,
  type RunningService,
} from './support/services.js';
import { waitFor } from './support/wait-for.js';

interface DevSeed {
  keyEncryptionKey: string;
  clientSecretHashKey: string;
  clients: { id: string; secret: string }[];
  users: { username: string; password: string }[];
}

const seed = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'dev-seed.json'), 'utf8')) as DevSeed;
const alice = seed.users[0]!;
const WRONG_PASSWORDS = ['wrong-password-Zq81', `${alice.password}-but-longer`];
const WRONG_SECRET = 'not-the-demo-app-secret-7Hq';

const logger = new CapturingLogger();
/** The lines of the request logging main.ts installs (pino-http through the apps' pino logger), every level. */
const requestLines: string[] = [];
const requestLogger = createAppLogger({
  service: 'e2e',
  json: true,
  level: 'trace',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      requestLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  }),
});
/** Everything written to this process's stdout and stderr during the flow (anything that bypasses the logger). */
const written: string[] = [];
let auth: RunningService & { config: { issuer: string } };
let orders: RunningService;
let billing: RunningService;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** The last segment of a compact JWS: enough to replay nothing, but a log holding it holds part of the token. */
function signatureOf(token: string): string {
  return token.split('.')[2]!;
}

/** Every value that must never reach a log, each with a name for the failure message. */
const secrets = new Map<string, string>();
function secret(name: string, value: string): void {
  secrets.set(value, name);
}

/** The secrets that occur in `lines`, by name. */
function leaks(lines: readonly string[]): string[] {
  const found = new Set<string>();
  for (const line of lines) {
    for (const [value, name] of secrets) if (line.includes(value)) found.add(name);
  }
  return [...found];
}

async function tokenFor(client: Client | { id: string; secret: string }, params: Record<string, string>) {
  const answer = await requestToken(auth.url, client as Client, params);
  for (const field of ['access_token', 'refresh_token'] as const) {
    const value = answer.body[field];
    if (typeof value === 'string') {
      secret(`${field} (${params.grant_type})`, value);
      if (field === 'access_token') {
        secret(`access_token signature (${params.grant_type})`, signatureOf(value));
        secret('Authorization: Bearer header', `Bearer ${value}`);
      }
    }
  }
  return answer;
}

beforeAll(async () => {
  for (const client of seed.clients) {
    secret(`client secret of ${client.id}`, client.secret);
    secret(`Authorization: Basic header of ${client.id}`, basic(client.id, client.secret));
  }
  for (const user of seed.users) secret(`password of ${user.username}`, user.password);
  for (const password of WRONG_PASSWORDS) secret('a wrong password', password);
  secret('a wrong client secret', WRONG_SECRET);
  secret('dev KEK', seed.keyEncryptionKey);
  secret('dev client-secret hash key', seed.clientSecretHashKey);

  const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  // Every level: the apps log refused tokens at debug, Kafka at warn and up; all of it must be clean.
  const logs = { logger, requestLogging: requestLogging(requestLogger) };
  auth = await startAuthService(kafka, { AUTH_KEY_PUBLISH_AHEAD_SECONDS: '1' }, logs);
  orders = await startOrdersService({ issuer: auth.config.issuer, kafka, ...logs });
  billing = await startBillingService({ issuer: auth.config.issuer, kafka, ...logs });
  for (const service of [orders, billing]) {
    await waitFor(`${service.url} readiness`, async () =>
      (await fetch(`${service.url}/health`)).ok ? true : undefined,
    );
  }
});

afterAll(async () => {
  await Promise.all([orders?.close(), billing?.close()]);
  await auth?.close();
});

/** Runs `flow` while copying everything written to stdout and stderr into `written`. */
async function capturingOutput(flow: () => Promise<void>): Promise<void> {
  const original = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const tee =
    (write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tee(original.out) as typeof process.stdout.write;
  process.stderr.write = tee(original.err) as typeof process.stderr.write;
  try {
    await flow();
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
}

describe('log hygiene', () => {
  it('no token, secret, password, key or Authorization header appears in any log line of the three services', async () => {
    await capturingOutput(async () => {
      const orderToken = await tokenFor(CLIENTS.ordersReader, {
        grant_type: 'client_credentials',
        scope: 'orders:read',
      });
      const demoToken = await tokenFor(CLIENTS.demo, {
        grant_type: 'client_credentials',
        scope: 'orders:read billing:read',
      });
      const adminToken = await tokenFor(CLIENTS.admin, { grant_type: 'client_credentials', scope: 'auth:admin' });
      const password = await tokenFor(CLIENTS.demo, {
        grant_type: 'password',
        username: alice.username,
        password: alice.password,
        scope: 'orders:read billing:read',
      });
      expect([orderToken.status, demoToken.status, adminToken.status, password.status]).toEqual([200, 200, 200, 200]);
      for (const wrong of WRONG_PASSWORDS) {
        const failed = await tokenFor(CLIENTS.demo, {
          grant_type: 'password',
          username: alice.username,
          password: wrong,
          scope: 'orders:read',
        });
        expect(failed.body.error).toBe('invalid_grant');
      }
      const badClient = await tokenFor(
        { id: CLIENTS.demo.id, secret: WRONG_SECRET },
        { grant_type: 'client_credentials', scope: 'orders:read' },
      );
      expect(badClient.status).toBe(401);

      const demo = String(demoToken.body.access_token);
      expect((await callWithToken(`${orders.url}/orders`, demo)).status).toBe(200);
      expect((await callWithToken(`${billing.url}/invoices`, demo)).status).toBe(200);
      expect((await introspect(auth.url, CLIENTS.demo, demo)).active).toBe(true);

      const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as {
        keys: Record<string, string>[];
      };
      const forged = [
        tamper(demo, { scope: 'orders:read orders:write billing:read' }),
        unsigned(demo),
        hs256WithPublicKey(demo, jwks.keys[0]!),
        `${demo}x`,
        'not.a.jwt',
      ];
      forged.forEach((token, i) => secret(`forged token #${i}`, token));
      for (const token of forged) {
        expect((await callWithToken(`${orders.url}/orders`, token)).status).toBe(401);
        expect((await callWithToken(`${billing.url}/invoices`, token)).status).toBe(401);
      }

      const lifecycle = auth.app.get(KeyLifecycle);
      await waitFor('a key rotation to be allowed', async () =>
        lifecycle.rotate('e2e-log-hygiene').then(
          () => true,
          () => undefined,
        ),
      );
      const afterRotation = await tokenFor(CLIENTS.demo, { grant_type: 'client_credentials', scope: 'orders:read' });
      await waitFor('orders to accept a token of the new key', async () =>
        (await callWithToken(`${orders.url}/orders`, String(afterRotation.body.access_token))).status === 200
          ? true
          : undefined,
      );

      expect(await revokeToken(auth.url, CLIENTS.demo, demo)).toBe(200);
      await waitFor('both services to refuse the revoked token', async () => {
        const statuses = [
          (await callWithToken(`${orders.url}/orders`, demo)).status,
          (await callWithToken(`${billing.url}/invoices`, demo)).status,
        ];
        return statuses.every((status) => status === 401) ? true : undefined;
      });
      expect((await introspect(auth.url, CLIENTS.demo, demo)).active).toBe(false);
      const user = String(password.body.access_token);
      expect((await callWithToken(`${orders.url}/orders`, user)).status).toBe(200);
      expect(await revokeToken(auth.url, CLIENTS.demo, user)).toBe(200);

      // The session's refresh token: rotated, replayed (reuse revokes the session), its successor revoked.
      const first = String(password.body.refresh_token);
      const rotated = await tokenFor(CLIENTS.demo, { grant_type: 'refresh_token', refresh_token: first });
      expect(rotated.status).toBe(200);
      const replayed = await tokenFor(CLIENTS.demo, { grant_type: 'refresh_token', refresh_token: first });
      expect(replayed.body.error).toBe('invalid_grant');
      const successor = String(rotated.body.refresh_token);
      expect(await revokeToken(auth.url, CLIENTS.demo, successor, 'refresh_token')).toBe(200);
      expect((await introspect(auth.url, CLIENTS.demo, successor)).active).toBe(false);
    });

    const lines = [...logger.lines, ...requestLines, ...written];
    // The capture saw the flow: debug lines of refused tokens, the key rotation, the revocation's jti; one request
    // line per answer of the three services.
    expect(logger.lines.length).toBeGreaterThan(20);
    expect(requestLines.length).toBeGreaterThan(40);
    expect(lines.some((line) => line.includes('ERR_TOKEN'))).toBe(true);
    expect(secrets.size).toBeGreaterThan(25);
    expect(leaks(lines)).toEqual([]);
  });

  it('the check finds a secret planted in a log line', () => {
    const token = [...secrets].find(([, name]) => name.startsWith('access_token'))![0];
    const planted = [...logger.lines, `{"msg":"oops","jti":"${String(claimsOf(token).jti)}","token":"${token}"}`];
    expect(leaks(planted)).toEqual(expect.arrayContaining(['access_token (client_credentials)']));
    expect(leaks([`password=${alice.password}`])).toEqual(['password of alice']);
  });
});
