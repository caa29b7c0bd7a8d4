import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
import { claimsOf, signWith } from './support/crafted-tokens.js';
import { clientCredentialsToken, CLIENTS, passwordLogin } from './support/oauth-client.js';
import { startAuthService, startOrdersService, uniqueKafkaSetup, type RunningService } from './support/services.js';
import { waitFor } from './support/wait-for.js';

/** orders-service's `DELETE /orders/:id` has `@RequireRecentAuth(300)`. */
const MAX_AGE_SECONDS = 300;
const TOO_OLD_CHALLENGE =
  'Bearer realm="orders-service", error="insufficient_user_authentication", ' +
  `error_description="A more recent authentication is required", max_age="${MAX_AGE_SECONDS}"`;

let auth: Awaited<ReturnType<typeof startAuthService>>;
let orders: RunningService;

beforeAll(async () => {
  const kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  auth = await startAuthService(kafka);
  orders = await startOrdersService({ issuer: auth.config.issuer, kafka });
  await waitFor('orders-service readiness', async () => ((await fetch(`${orders.url}/health`)).ok ? true : undefined));
});

afterAll(async () => {
  await orders?.close();
  await auth?.close();
});

async function placeOrder(token: string): Promise<string> {
  const response = await fetch(`${orders.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ item: 'book', quantity: 1 }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function deleteOrder(
  token: string,
  id: string,
): Promise<{ status: number; challenge: string | null; body: string }> {
  const response = await fetch(`${orders.url}/orders/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}

async function orderIds(token: string): Promise<string[]> {
  const response = await fetch(`${orders.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { orders: { id: string }[] }).orders.map((order) => order.id);
}

describe('DELETE /orders/:id (@Scopes orders:write, @RequireRecentAuth 300) at the real orders-service', () => {
  it('deletes the caller’s order with a fresh password-grant token: 204, then 404 for it and for unknown ids', async () => {
    const { access_token: token } = await passwordLogin(auth.url, 'orders:read orders:write');
    expect(typeof claimsOf(token).auth_time).toBe('number');
    const id = await placeOrder(token);

    expect(await deleteOrder(token, id)).toMatchObject({ status: 204, body: '' });
    expect(await orderIds(token)).not.toContain(id);
    expect((await deleteOrder(token, id)).status).toBe(404);
    expect((await deleteOrder(token, 'no-such-order')).status).toBe(404);
  });

  it('answers 404 for an order of another subject, which stays', async () => {
    const clientToken = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read orders:write');
    const othersOrder = await placeOrder(clientToken);
    const { access_token: userToken } = await passwordLogin(auth.url, 'orders:read orders:write');

    expect((await deleteOrder(userToken, othersOrder)).status).toBe(404);
    expect(await orderIds(clientToken)).toContain(othersOrder);
  });

  it('refuses a client_credentials token (no auth_time): 401 insufficient_user_authentication, max_age="300"', async () => {
    const clientToken = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read orders:write');
    expect(claimsOf(clientToken).auth_time).toBeUndefined();
    const id = await placeOrder(clientToken);

    const answer = await deleteOrder(clientToken, id);
    expect(answer).toMatchObject({ status: 401, challenge: TOO_OLD_CHALLENGE });
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'insufficient_user_authentication',
      errorCode: 'ERR_AUTH_TOO_OLD',
    });
    expect(await orderIds(clientToken)).toContain(id);
  });

  it('refuses a user token whose login is older than 300 s, and checks the scope before that', async () => {
    const { access_token: fresh } = await passwordLogin(auth.url, 'orders:read orders:write');
    const id = await placeOrder(fresh);
    const signingKey = auth.app.get(SigningKeyStore).signingKey();
    const claims = claimsOf(fresh);
    const now = Math.floor(Date.now() / 1000);
    const old = await signWith(signingKey, { ...claims, auth_time: now - 3600 });
    const oldReadOnly = await signWith(signingKey, { ...claims, auth_time: now - 3600, scope: 'orders:read' });

    expect(await deleteOrder(old, id)).toMatchObject({ status: 401, challenge: TOO_OLD_CHALLENGE });
    expect((await deleteOrder(oldReadOnly, id)).status).toBe(403);
    expect(await orderIds(fresh)).toContain(id);
  });
});
