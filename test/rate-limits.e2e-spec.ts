import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import argon2 from 'argon2';
import { hashClientSecret } from '../apps/auth-service/src/clients/client-secret.hasher.js';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { CLIENTS } from './support/oauth-client.js';
import { startAuthService, uniqueKafkaSetup, type KafkaSetup, type RunningService } from './support/services.js';
import { waitFor } from './support/wait-for.js';

type AuthService = Awaited<ReturnType<typeof startAuthService>>;
interface OAuthClient {
  id: string;
  secret: string;
}
interface Answer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

const ALICE = { username: 'alice', password: 'dev-only-alice-password' };
/** A second client allowed the password grant, inserted by the spec (the dev seed has one). */
const SECOND_APP = { id: 'second-app', secret: 'spec-only-second-app-secret' };
const WRONG = 'not-the-password-0f3a';
const RATE_LIMITED = { error: 'temporarily_unavailable', errorCode: 'ERR_RATE_LIMITED' };

async function post(service: RunningService, path: string, client: OAuthClient, form: Record<string, string>) {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  } satisfies Answer;
}

const login = (service: RunningService, client: OAuthClient, username: string, password: string) =>
  post(service, '/oauth/token', client, { grant_type: 'password', username, password, scope: 'orders:read' });

function expectRateLimited(answer: Answer, maxSeconds: number): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toMatchObject(RATE_LIMITED);
  expect(answer.retryAfter).toMatch(/^\d+$/);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(maxSeconds);
}

let kafka: KafkaSetup;
beforeAll(() => {
  kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
});

describe('password grant backoff per (client, username), in Postgres', () => {
  /** Locks of 3 s: long enough for the 25 locked attempts of the first test, short enough to wait out. */
  const LOCK_SECONDS = 3;
  let auth: AuthService;
  let verify: jest.Spied<typeof argon2.verify>;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    auth = await startAuthService(
      kafka,
      {
        AUTH_RATE_LIMIT_LOGIN_FAILURES: '5',
        AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS: String(LOCK_SECONDS),
        AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS: String(LOCK_SECONDS),
      },
      { logger },
    );
    await auth.app
      .get(Database)
      .query(
        `INSERT INTO clients (id, secret_hash, grant_types, scopes) VALUES ($1, $2, '{password}', '{orders:read}')`,
        [SECOND_APP.id, hashClientSecret(auth.config.clientSecretHashKey, SECOND_APP.secret)],
      );
    // The real argon2 module the service verifies passwords with, counted (calls go through unchanged).
    verify = jest.spyOn(argon2, 'verify');
  });

  afterAll(async () => {
    verify?.mockRestore();
    await auth?.close();
  });

  it('30 wrong passwords, then the right one: 429 + Retry-After without computing argon2; after the lock, 200', async () => {
    const before = verify.mock.calls.length;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 30; attempt += 1) {
      statuses.push((await login(auth, CLIENTS.demo, ALICE.username, WRONG)).status);
    }
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses.slice(5)).toEqual(new Array(25).fill(429));
    // Only the five checked attempts cost an argon2 verification; the 25 locked ones none.
    expect(verify.mock.calls.length - before).toBe(5);

    const locked = await login(auth, CLIENTS.demo, ALICE.username, ALICE.password);
    expectRateLimited(locked, LOCK_SECONDS);
    expect(verify.mock.calls.length - before).toBe(5);

    const started = Date.now();
    const granted = await waitFor(
      'the lock to pass',
      async () => {
        const answer = await login(auth, CLIENTS.demo, ALICE.username, ALICE.password);
        return answer.status === 429 ? undefined : answer;
      },
      { timeoutMs: (LOCK_SECONDS + 5) * 1000, intervalMs: 200 },
    );
    expect(granted.status).toBe(200);
    expect(Date.now() - started).toBeLessThanOrEqual((Number(locked.retryAfter) + 1) * 1000);

    // The success forgot the failures: a wrong password is checked again (400, not 429).
    expect((await login(auth, CLIENTS.demo, ALICE.username, WRONG)).status).toBe(400);
    await login(auth, CLIENTS.demo, ALICE.username, ALICE.password);
  });

  it('treats an unknown username the same way: same answers, same lock', async () => {
    const username = `nobody-${Date.now()}`;
    const before = verify.mock.calls.length;
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) answers.push(await login(auth, CLIENTS.demo, username, WRONG));
    expect(answers.slice(0, 5).map((a) => [a.status, a.body.error])).toEqual(new Array(5).fill([400, 'invalid_grant']));
    expectRateLimited(answers[5]!, LOCK_SECONDS);
    expect(verify.mock.calls.length - before).toBe(5);
  });

  it('locks the pair only: another client still logs alice in, and the lock holds on every instance', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) await login(auth, CLIENTS.demo, ALICE.username, WRONG);
    expectRateLimited(await login(auth, CLIENTS.demo, ALICE.username, ALICE.password), LOCK_SECONDS);
    expect((await login(auth, SECOND_APP, ALICE.username, ALICE.password)).status).toBe(200);

    const other = await startAuthService(kafka, { AUTH_DATABASE_SCHEMA: auth.config.database.schema }, { logger });
    try {
      expectRateLimited(await login(other, CLIENTS.demo, ALICE.username, ALICE.password), LOCK_SECONDS);
    } finally {
      await other.close();
    }
  });

  it('logs each failed login with client id and source address, never the password or the username', () => {
    const failures = logger.entries
      .map(([message]) => message as Record<string, unknown>)
      .filter((message) => message?.msg === 'login failed');
    expect(failures.length).toBeGreaterThanOrEqual(15);
    for (const entry of failures) {
      expect(entry).toMatchObject({ client_id: 'demo-app', source_address: expect.stringMatching(/127\.0\.0\.1$/) });
      expect(entry.user_ref).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    const all = logger.lines.join('\n');
    expect(all).not.toContain(WRONG);
    expect(all).not.toContain(ALICE.password);
    expect(all).not.toContain('nobody-');
  });
});

describe('per-client limits of /oauth/token, /oauth/revoke and /oauth/introspect', () => {
  const LIMITS = { token: 5, revoke: 3, introspect: 4 };
  const WINDOW_SECONDS = 60;
  let auth: AuthService;

  beforeAll(async () => {
    auth = await startAuthService(kafka, {
      AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
      AUTH_RATE_LIMIT_TOKEN_REQUESTS: String(LIMITS.token),
      AUTH_RATE_LIMIT_REVOKE_REQUESTS: String(LIMITS.revoke),
      AUTH_RATE_LIMIT_INTROSPECT_REQUESTS: String(LIMITS.introspect),
    });
  });

  afterAll(async () => {
    await auth?.close();
  });

  const hammer = async (times: number, request: () => Promise<Answer>): Promise<Answer[]> => {
    const answers: Answer[] = [];
    for (let n = 0; n < times; n += 1) answers.push(await request());
    return answers;
  };
  const clientCredentials = (client: OAuthClient, scope = 'orders:read') =>
    post(auth, '/oauth/token', client, { grant_type: 'client_credentials', scope });

  it('one client hammering /oauth/token gets 429 while another client keeps getting 200', async () => {
    const answers = await hammer(LIMITS.token + 3, () => clientCredentials(CLIENTS.demo));
    expect(answers.map((a) => a.status)).toEqual([...new Array(LIMITS.token).fill(200), 429, 429, 429]);
    expectRateLimited(answers[LIMITS.token]!, WINDOW_SECONDS);
    expect(answers[LIMITS.token]!.body).not.toHaveProperty('access_token');

    const other = await hammer(LIMITS.token, () => clientCredentials(CLIENTS.ordersReader));
    expect(other.map((a) => a.status)).toEqual(new Array(LIMITS.token).fill(200));
  });

  it('limits a revocation loop per client', async () => {
    const revoke = (client: OAuthClient) => () => post(auth, '/oauth/revoke', client, { token: 'not-a-token' });
    const answers = await hammer(LIMITS.revoke + 1, revoke(CLIENTS.demo));
    expect(answers.map((a) => a.status)).toEqual([...new Array(LIMITS.revoke).fill(200), 429]);
    expectRateLimited(answers[LIMITS.revoke]!, WINDOW_SECONDS);
    expect((await revoke(CLIENTS.ordersReader)()).status).toBe(200);
  });

  it('limits introspection per client, each endpoint with its own limit', async () => {
    const introspect = (client: OAuthClient) => () => post(auth, '/oauth/introspect', client, { token: 'not-a-token' });
    const answers = await hammer(LIMITS.introspect + 1, introspect(CLIENTS.ordersReader));
    expect(answers.map((a) => a.status)).toEqual([...new Array(LIMITS.introspect).fill(200), 429]);
    expect(answers[0]!.body).toEqual({ active: false });
    expectRateLimited(answers[LIMITS.introspect]!, WINDOW_SECONDS);
    expect((await introspect(CLIENTS.admin)()).status).toBe(200);
  });

  it('counts requests whose client fails to authenticate per source address, apart from authenticated clients', async () => {
    const impostor = { id: CLIENTS.admin.id, secret: 'guessed-secret' };
    const answers = await hammer(LIMITS.token + 1, () => clientCredentials(impostor, 'auth:admin'));
    expect(answers.map((a) => a.status)).toEqual([...new Array(LIMITS.token).fill(401), 429]);
    expectRateLimited(answers[LIMITS.token]!, WINDOW_SECONDS);
    // The impostor claimed admin-cli's id: admin-cli itself, authenticated, still has its whole allowance.
    expect((await clientCredentials(CLIENTS.admin, 'auth:admin')).status).toBe(200);
  });
});
