import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import { EVENT_TYPES } from '@app/events';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { adminCall, type AdminAnswer } from './support/admin-api.js';
import {
  callWithToken,
  clientCredentialsToken,
  CLIENTS,
  introspect,
  refreshGrant,
  requestToken,
  type SessionTokenResponse,
} from './support/oauth-client.js';
import { msUntilRevoked, summarizeLatencies } from './support/propagation.js';
import { startStack, type Stack } from './support/services.js';

const ROUNDS = 20;
/** A role of this spec only, granting less than orders-clerk: a token with it reaches orders but may not write. */
const ORDERS_VIEWER = 'orders-viewer-e2e';

let stack: Stack;
let auth: Stack['auth'];
let ordersUrl: string;
let billingUrl: string;
let adminToken: string;

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
  auth = stack.auth;
  ordersUrl = `${stack.orders.url}/orders`;
  billingUrl = `${stack.billing.url}/invoices`;
  adminToken = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
  await auth.app
    .get(Database)
    .query(`INSERT INTO roles (name, scopes) VALUES ($1, ARRAY['orders:read']) ON CONFLICT DO NOTHING`, [
      ORDERS_VIEWER,
    ]);
});

afterAll(async () => {
  await stack?.close();
});

const admin = (method: string, path: string, json?: unknown): Promise<AdminAnswer> =>
  adminCall(auth, method, path, { token: adminToken, json });

const revoke = (type: string, value: string, reason = 'e2e'): Promise<AdminAnswer> =>
  admin('POST', '/admin/revocations', { type, value, reason });

interface TestUser {
  id: string;
  username: string;
  password: string;
}

/** A user of its own (so no test disturbs another's), created through the admin API. */
async function createUser(roles: string[] = ['orders-clerk', 'billing-viewer']): Promise<TestUser> {
  const username = `user-${randomUUID()}`;
  const password = `pw-${randomUUID()}`;
  const created = await admin('POST', '/admin/users', { username, password, roles });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({ id: expect.any(String), username, roles, disabled: false });
  return { id: String(created.body.id), username, password };
}

function login(user: TestUser, scope?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return requestToken(auth.url, CLIENTS.demo, {
    grant_type: 'password',
    username: user.username,
    password: user.password,
    ...(scope === undefined ? {} : { scope }),
  });
}

async function session(user: TestUser, scope = 'orders:read billing:read'): Promise<SessionTokenResponse> {
  const { status, body } = await login(user, scope);
  expect(status).toBe(200);
  return body as unknown as SessionTokenResponse;
}

async function expectAcceptedAtBoth(accessToken: string): Promise<void> {
  expect((await callWithToken(ordersUrl, accessToken)).status).toBe(200);
  expect((await callWithToken(billingUrl, accessToken)).status).toBe(200);
}

/** Waits (bounded poll) until both services refuse `accessToken` as revoked; returns the two latencies. */
function refusedAtBoth(accessToken: string, since = performance.now()): Promise<number[]> {
  return Promise.all([ordersUrl, billingUrl].map((url) => msUntilRevoked(url, accessToken, since)));
}

/** The event type URI of the latest event in the outbox for a record key (`sub:<id>`, …). */
async function latestEventType(recordKey: string): Promise<string> {
  const [row] = await auth.app
    .get(Database)
    .query<{ value: string }>('SELECT value FROM outbox WHERE record_key = $1 ORDER BY id DESC LIMIT 1', [recordKey]);
  return Object.keys(decodeJwt(row!.value)['events'] as object).join(',');
}

async function postOrder(accessToken: string): Promise<{ status: number; errorCode?: unknown }> {
  const response = await fetch(ordersUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ item: 'book', quantity: 1 }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, errorCode: body.errorCode };
}

describe('POST /admin/revocations: input', () => {
  it.each([
    ['no type', { value: 'x', reason: 'r' }, 'ERR_REVOCATION_TYPE_INVALID'],
    ['an unknown type', { type: 'user', value: 'x', reason: 'r' }, 'ERR_REVOCATION_TYPE_INVALID'],
    ['no value', { type: 'token', reason: 'r' }, 'ERR_REVOCATION_VALUE_INVALID'],
    ['an empty value', { type: 'token', value: '', reason: 'r' }, 'ERR_REVOCATION_VALUE_INVALID'],
    [
      'a value of 257 characters',
      { type: 'token', value: 'v'.repeat(257), reason: 'r' },
      'ERR_REVOCATION_VALUE_INVALID',
    ],
    ['a value with a space', { type: 'token', value: 'a b', reason: 'r' }, 'ERR_REVOCATION_VALUE_INVALID'],
    ['no reason', { type: 'token', value: 'x' }, 'ERR_REASON_INVALID'],
    ['a blank reason', { type: 'token', value: 'x', reason: ' ' }, 'ERR_REASON_INVALID'],
    ['an unknown member', { type: 'token', value: 'x', reason: 'r', at: 1 }, 'ERR_PARAMETER_UNKNOWN'],
  ])('answers %s 400 invalid_request', async (_name, json, errorCode) => {
    const response = await admin('POST', '/admin/revocations', json);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', errorCode, message: expect.any(String) });
  });

  it.each([
    ['session', 'ERR_SESSION_NOT_FOUND'],
    ['subject', 'ERR_SUBJECT_NOT_FOUND'],
    ['client', 'ERR_CLIENT_NOT_FOUND'],
  ])('answers an unknown %s 404, writing no revocation', async (type, errorCode) => {
    const value = `unknown-${randomUUID()}`;
    const response = await revoke(type, value);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'not_found', errorCode });
    expect(await auth.app.get(Database).query('SELECT 1 FROM revocations WHERE target_value = $1', [value])).toEqual(
      [],
    );
  });

  it('answers 202 { type, value, revokedAt } and audits the call with its actor', async () => {
    const jti = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    const response = await revoke('token', jti, 'leaked in a log');
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ type: 'token', value: jti, revokedAt: expect.any(Number) });
    expect(response.body.revokedAt).toBeGreaterThanOrEqual(before);
    const audit = await admin('GET', '/admin/audit?type=admin.revocations.create&limit=1');
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: `client:${CLIENTS.admin.id}`,
        details: expect.objectContaining({ type: 'token', value: jti, reason: 'leaked in a log', outcome: 'ok' }),
      }),
    ]);
  });
});

describe('each revocation type through the admin API, refused at orders and billing', () => {
  it('token: the jti is refused at both, other tokens of the session pass', async () => {
    const user = await createUser();
    const victim = await session(user);
    const other = await session(user);
    await expectAcceptedAtBoth(victim.access_token);
    expect((await revoke('token', String(decodeJwt(victim.access_token).jti))).status).toBe(202);
    await refusedAtBoth(victim.access_token);
    await expectAcceptedAtBoth(other.access_token);
    expect(await introspect(auth.url, CLIENTS.demo, victim.access_token)).toEqual({ active: false });
  });

  it('session: its access tokens refused at both, its refresh token dead', async () => {
    const user = await createUser();
    const victim = await session(user);
    await expectAcceptedAtBoth(victim.access_token);
    const sid = String(decodeJwt(victim.access_token)['sid']);
    expect((await revoke('session', sid)).body).toMatchObject({ type: 'session', value: sid });
    await refusedAtBoth(victim.access_token);
    expect((await refreshGrant(auth.url, victim.refresh_token!)).body.error).toBe('invalid_grant');
    expect(await latestEventType(`sid:${sid}`)).toBe(EVENT_TYPES.sessionRevoked);
  });

  it('subject: earlier tokens refused at both, sessions ended; a login right after it gets a token that passes', async () => {
    const user = await createUser();
    const old = await session(user);
    await expectAcceptedAtBoth(old.access_token);
    const revoked = await revoke('subject', user.id, 'account compromised');
    expect(revoked.status).toBe(202);
    // Immediately, most often within the second of the cut-off: issuance waits for the next second.
    const fresh = await session(user);
    expect(decodeJwt(fresh.access_token).iat).toBeGreaterThan(Number(revoked.body.revokedAt));
    await refusedAtBoth(old.access_token);
    await expectAcceptedAtBoth(fresh.access_token);
    expect((await refreshGrant(auth.url, old.refresh_token!)).body.error).toBe('invalid_grant');
    expect(await introspect(auth.url, CLIENTS.demo, old.access_token)).toEqual({ active: false });
    expect(await introspect(auth.url, CLIENTS.demo, fresh.access_token)).toMatchObject({ active: true });
    expect(await latestEventType(`sub:${user.id}`)).toBe(EVENT_TYPES.subjectRevoked);
  });

  it('subject again: the cut-off moves forward and a new event refuses the tokens issued in between', async () => {
    const user = await createUser();
    const first = await revoke('subject', user.id);
    const between = await session(user);
    await expectAcceptedAtBoth(between.access_token);
    const second = await revoke('subject', user.id);
    expect(Number(second.body.revokedAt)).toBeGreaterThan(Number(first.body.revokedAt));
    await refusedAtBoth(between.access_token);
    const [row] = await auth.app
      .get(Database)
      .query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE record_key = $1', [`sub:${user.id}`]);
    expect(row!.n).toBe(2);
  });

  it('client: its tokens and its sessions refused at both; its tokens issued after it pass', async () => {
    const user = await createUser();
    const userToken = await session(user);
    const clientToken = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    await expectAcceptedAtBoth(userToken.access_token);
    await expectAcceptedAtBoth(clientToken);
    expect((await revoke('client', CLIENTS.demo.id)).status).toBe(202);
    const after = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
    await refusedAtBoth(userToken.access_token);
    await refusedAtBoth(clientToken);
    await expectAcceptedAtBoth(after);
    expect((await refreshGrant(auth.url, userToken.refresh_token!)).body.error).toBe('invalid_grant');
    expect(await introspect(auth.url, CLIENTS.demo, clientToken)).toEqual({ active: false });
    expect(await latestEventType(`client:${CLIENTS.demo.id}`)).toBe(EVENT_TYPES.clientRevoked);
  });
});

describe('users through the admin API', () => {
  it('refuses bad input, an unknown role, a taken username and an unknown id', async () => {
    const user = await createUser();
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/admin/users', { username: 'x', password: 'short', roles: [] }, 400, 'ERR_PASSWORD_INVALID'],
      ['POST', '/admin/users', { username: 'a b', password: 'long enough', roles: [] }, 400, 'ERR_USERNAME_INVALID'],
      ['POST', '/admin/users', { username: 'x', password: 'long enough', roles: 'admin' }, 400, 'ERR_ROLES_INVALID'],
      ['POST', '/admin/users', { username: 'x', password: 'long enough', roles: ['root'] }, 400, 'ERR_ROLE_UNKNOWN'],
      [
        'POST',
        '/admin/users',
        { username: user.username, password: 'long enough', roles: [] },
        409,
        'ERR_USERNAME_TAKEN',
      ],
      ['PATCH', `/admin/users/${user.id}`, { disabled: 'yes' }, 400, 'ERR_DISABLED_INVALID'],
      ['PATCH', `/admin/users/${user.id}`, { roles: ['root'] }, 400, 'ERR_ROLE_UNKNOWN'],
      ['PATCH', `/admin/users/${user.id}`, { username: 'renamed' }, 400, 'ERR_PARAMETER_UNKNOWN'],
      ['PATCH', `/admin/users/${randomUUID()}`, { disabled: true }, 404, 'ERR_USER_NOT_FOUND'],
    ];
    for (const [method, path, json, status, errorCode] of cases) {
      const response = await admin(method, path, json);
      expect({ path, json, status: response.status, errorCode: response.body.errorCode }).toEqual({
        path,
        json,
        status,
        errorCode,
      });
    }
  });

  it('disabling a user: old token refused at both, login and refresh refused (invalid_grant), CAEP credential-change', async () => {
    const user = await createUser();
    const old = await session(user);
    await expectAcceptedAtBoth(old.access_token);
    const patched = await admin('PATCH', `/admin/users/${user.id}`, { disabled: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: user.id, username: user.username, disabled: true });
    await refusedAtBoth(old.access_token);
    expect((await login(user)).body.error).toBe('invalid_grant');
    expect((await refreshGrant(auth.url, old.refresh_token!)).body.error).toBe('invalid_grant');
    expect(await introspect(auth.url, CLIENTS.demo, old.access_token)).toEqual({ active: false });
    expect(await latestEventType(`sub:${user.id}`)).toBe(EVENT_TYPES.credentialChange);

    expect((await admin('PATCH', `/admin/users/${user.id}`, { disabled: false })).body.disabled).toBe(false);
    await expectAcceptedAtBoth((await session(user)).access_token);
  });

  it('a password change refuses old tokens and the old password, ends sessions; the audit holds no password', async () => {
    const user = await createUser();
    const old = await session(user);
    const password = `new-${randomUUID()}`;
    expect((await admin('PATCH', `/admin/users/${user.id}`, { password })).status).toBe(200);
    await refusedAtBoth(old.access_token);
    expect((await login(user)).body.error).toBe('invalid_grant');
    expect((await refreshGrant(auth.url, old.refresh_token!)).body.error).toBe('invalid_grant');
    await expectAcceptedAtBoth((await session({ ...user, password })).access_token);
    expect(await latestEventType(`sub:${user.id}`)).toBe(EVENT_TYPES.credentialChange);
    const audit = await auth.app.get(Database).query<{ details: unknown }>('SELECT details FROM audit_log');
    const text = JSON.stringify(audit);
    expect(text).not.toContain(password);
    expect(text).not.toContain(user.password);
  });

  it('a role change: old token refused at both, the session lives on with the new scopes, a fresh login too (403 on the removed scope)', async () => {
    const user = await createUser(['orders-clerk', 'billing-viewer']);
    const old = await session(user, 'orders:read orders:write billing:read');
    expect((await postOrder(old.access_token)).status).not.toBe(403);
    const patched = await admin('PATCH', `/admin/users/${user.id}`, { roles: [ORDERS_VIEWER, 'billing-viewer'] });
    expect(patched.body).toMatchObject({ roles: [ORDERS_VIEWER, 'billing-viewer'] });
    await refusedAtBoth(old.access_token);
    expect(await latestEventType(`sub:${user.id}`)).toBe(EVENT_TYPES.tokenClaimsChange);

    const refreshed = await refreshGrant(auth.url, old.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('billing:read orders:read');
    const fresh = (await login(user)).body as unknown as SessionTokenResponse;
    expect(fresh.scope).toBe('billing:read orders:read');
    for (const token of [String(refreshed.body.access_token), fresh.access_token]) {
      await expectAcceptedAtBoth(token);
      expect(await postOrder(token)).toEqual({ status: 403, errorCode: 'ERR_INSUFFICIENT_SCOPE' });
    }
  });
});

describe('propagation per revocation type (admin API answer → first 401, per service)', () => {
  async function measure(name: string, prepare: () => Promise<{ token: string; revoke: () => Promise<AdminAnswer> }>) {
    const latencies = { orders: [] as number[], billing: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const { token, revoke: revokeIt } = await prepare();
      await expectAcceptedAtBoth(token);
      expect((await revokeIt()).status).toBe(202);
      const [atOrders, atBilling] = await refusedAtBoth(token);
      latencies.orders.push(atOrders!);
      latencies.billing.push(atBilling!);
    }
    process.stdout.write(
      `admin revocation ${name} → first 401, per service: ${JSON.stringify(summarizeLatencies(latencies))}\n`,
    );
    expect(latencies.orders).toHaveLength(ROUNDS);
    expect(latencies.billing).toHaveLength(ROUNDS);
  }

  let user: TestUser;
  beforeAll(async () => {
    user = await createUser();
  });

  it(`token (${ROUNDS} rounds)`, async () => {
    await measure('token', async () => {
      const { access_token: token } = await session(user);
      return { token, revoke: () => revoke('token', String(decodeJwt(token).jti)) };
    });
  });

  it(`session (${ROUNDS} rounds)`, async () => {
    await measure('session', async () => {
      const { access_token: token } = await session(user);
      return { token, revoke: () => revoke('session', String(decodeJwt(token)['sid'])) };
    });
  });

  it(`subject (${ROUNDS} rounds)`, async () => {
    await measure('subject', async () => {
      const { access_token: token } = await session(user);
      return { token, revoke: () => revoke('subject', user.id) };
    });
  });

  it(`client (${ROUNDS} rounds)`, async () => {
    await measure('client', async () => {
      const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read billing:read');
      return { token, revoke: () => revoke('client', CLIENTS.demo.id) };
    });
  });
});
