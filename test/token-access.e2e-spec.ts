import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { hashClientSecret } from '../apps/auth-service/src/clients/client-secret.hasher.js';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { claimsOf, hs256WithPublicKey, signWith, tamper, unsigned } from './support/crafted-tokens.js';
import {
  ALICE,
  callWithToken,
  clientCredentialsToken,
  CLIENTS,
  introspect,
  passwordLogin,
} from './support/oauth-client.js';
import { startStack, type Stack } from './support/services.js';

let stack: Stack;
let auth: Stack['auth'];
let orders: Stack['orders'];
let billing: Stack['billing'];
let fullToken: string;

beforeAll(async () => {
  stack = await startStack(process.env.KAFKA_BROKERS!);
  ({ auth, orders, billing } = stack);
  fullToken = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read orders:write billing:read');
});

afterAll(async () => {
  await stack?.close();
});

describe('a client_credentials token', () => {
  it('is an RFC 9068 access token for both resource servers', () => {
    const claims = claimsOf(fullToken);
    // RFC 9068 §5: a client's own sub lives in a space no user id (a UUID) can enter.
    expect(claims).toMatchObject({ iss: auth.config.issuer, sub: 'client:demo-app', client_id: 'demo-app' });
    expect(claims.aud).toEqual(expect.arrayContaining(['orders-service', 'billing-service']));
    expect(JSON.parse(Buffer.from(fullToken.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
    });
  });

  it('opens GET /orders (Fastify) and GET /invoices (Express)', async () => {
    const ordersResponse = await callWithToken(`${orders.url}/orders`, fullToken);
    const invoicesResponse = await callWithToken(`${billing.url}/invoices`, fullToken);
    expect(ordersResponse).toMatchObject({ status: 200, body: { orders: [] } });
    expect(invoicesResponse).toMatchObject({ status: 200, body: { customer: 'client:demo-app' } });
  });

  it("opens billing's GET /statements (AuthGuard('jwt')) as GET /invoices, and refuses what /invoices refuses", async () => {
    const statements = await callWithToken(`${billing.url}/statements`, fullToken);
    expect(statements).toMatchObject({
      status: 200,
      body: { customer: 'client:demo-app', statements: [{ period: '2026-11' }] },
    });
    const ordersOnly = await clientCredentialsToken(auth.url, CLIENTS.ordersReader, 'orders:read');
    for (const token of [undefined, ordersOnly]) {
      const [viaPassport, native] = await Promise.all(
        ['/statements', '/invoices'].map((path) => callWithToken(`${billing.url}${path}`, token)),
      );
      expect(viaPassport).toEqual(native);
      expect(viaPassport.status).toBe(401);
    }
  });

  it('lets POST /orders through with orders:write and validates the body', async () => {
    const post = (body: unknown) =>
      fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fullToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post({ item: 'coffee', quantity: 2 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ owner: 'client:demo-app', item: 'coffee', quantity: 2 });
    expect((await post({ item: 'coffee', quantity: -1 })).status).toBe(400);
  });
});

describe('client and user subjects cannot collide (RFC 9068 §5)', () => {
  /** A client registered under alice's very id, as an operator could (client ids are free text). */
  const twin = { id: ALICE.id, secret: `twin-client-secret-${randomUUID()}` } as const;

  beforeAll(async () => {
    await auth.app
      .get(Database)
      .query(`INSERT INTO clients (id, secret_hash, grant_types, scopes) VALUES ($1, $2, $3, $4)`, [
        twin.id,
        hashClientSecret(auth.config.clientSecretHashKey, twin.secret),
        ['client_credentials'],
        ['orders:read', 'orders:write'],
      ]);
  });

  it("gives a client whose id is a user's id a token whose sub is not that user's, nor that user's data", async () => {
    const twinToken = await clientCredentialsToken(auth.url, twin, 'orders:read orders:write');
    const { access_token: aliceToken } = await passwordLogin(auth.url, 'orders:read orders:write');
    expect(claimsOf(aliceToken).sub).toBe(ALICE.id);
    expect(claimsOf(twinToken)).toMatchObject({ sub: `client:${ALICE.id}`, client_id: ALICE.id });
    expect(await introspect(auth.url, twin, twinToken)).toMatchObject({
      active: true,
      sub: `client:${ALICE.id}`,
      client_id: ALICE.id,
    });

    const placed = await fetch(`${orders.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'alice-only', quantity: 1 }),
    });
    expect(placed.status).toBe(201);
    const seenBy = async (token: string) =>
      ((await callWithToken(`${orders.url}/orders`, token)).body.orders as { item: string }[]).map((o) => o.item);
    expect(await seenBy(aliceToken)).toContain('alice-only');
    expect(await seenBy(twinToken)).not.toContain('alice-only');
  });
});

describe('RFC 6750 answers at both resource servers', () => {
  it('answers a missing token with 401 and a challenge without error', async () => {
    for (const url of [`${orders.url}/orders`, `${billing.url}/invoices`]) {
      const response = await callWithToken(url);
      expect(response.status).toBe(401);
      expect(response.challenge).toMatch(/^Bearer realm="[^"]+"$/);
      expect(response.body.errorCode).toBe('ERR_TOKEN_MISSING');
    }
  });

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    const response = await fetch(`${orders.url}/orders`, { headers: { authorization: 'Bearer a b c' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
  });

  it('answers a token without the scope with 403 insufficient_scope naming the scope', async () => {
    const readOnly = await clientCredentialsToken(auth.url, CLIENTS.ordersReader, 'orders:read');
    const response = await fetch(`${orders.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readOnly}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'tea', quantity: 1 }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:write"/);
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe('ERR_INSUFFICIENT_SCOPE');
  });

  it('refuses forged, expired and misdirected tokens with 401 invalid_token', async () => {
    const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const publicJwk = jwks.keys.find(
      (key) => key.kid === JSON.parse(Buffer.from(fullToken.split('.')[0]!, 'base64url').toString()).kid,
    )!;
    const signingKey = auth.app.get(SigningKeyStore).signingKey();
    const now = Math.floor(Date.now() / 1000);
    const validClaims = claimsOf(fullToken);
    const ordersOnly = await clientCredentialsToken(auth.url, CLIENTS.ordersReader, 'orders:read');
    const cases: [string, string, string, string][] = [
      [
        'tampered scope',
        tamper(fullToken, { scope: 'orders:read orders:write billing:read auth:admin' }),
        orders.url,
        'ERR_TOKEN_SIGNATURE_INVALID',
      ],
      ['alg none', unsigned(fullToken), orders.url, 'ERR_TOKEN_ALG_NOT_ALLOWED'],
      [
        'HS256 signed with the public key',
        hs256WithPublicKey(fullToken, publicJwk),
        billing.url,
        'ERR_TOKEN_ALG_NOT_ALLOWED',
      ],
      [
        'expired',
        await signWith(signingKey, { ...validClaims, iat: now - 700, exp: now - 400 }),
        orders.url,
        'ERR_TOKEN_EXPIRED',
      ],
      ['orders-only token at billing', ordersOnly, billing.url, 'ERR_TOKEN_AUDIENCE_INVALID'],
      [
        'wrong issuer',
        await signWith(signingKey, { ...validClaims, iss: 'http://127.0.0.1:1' }),
        billing.url,
        'ERR_TOKEN_ISSUER_INVALID',
      ],
    ];
    for (const [name, token, base, errorCode] of cases) {
      const path = base === orders.url ? '/orders' : '/invoices';
      const response = await callWithToken(`${base}${path}`, token);
      expect({ name, status: response.status, errorCode: response.body.errorCode }).toEqual({
        name,
        status: 401,
        errorCode,
      });
      expect(response.challenge).toContain('error="invalid_token"');
      expect(JSON.stringify(response.body)).not.toContain(token.split('.')[1]);
    }
  });
});
