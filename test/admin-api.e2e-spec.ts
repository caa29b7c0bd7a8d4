import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { claimsOf, signWith } from './support/crafted-tokens.js';
import { freePort } from './support/free-port.js';
import { clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import { startAuthService, uniqueKafkaSetup, type RunningService } from './support/services.js';
import { waitFor } from './support/wait-for.js';

type AuthService = Awaited<ReturnType<typeof startAuthService>>;

interface AdminAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface AdminRequest {
  token?: string;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is, with its own content type. */
  raw?: { text: string; contentType: string };
}

async function call(
  service: RunningService,
  method: string,
  path: string,
  request: AdminRequest = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  const raw =
    request.json === undefined ? request.raw : { text: JSON.stringify(request.json), contentType: 'application/json' };
  if (raw !== undefined) headers['content-type'] = raw.contentType;
  const response = await fetch(`${service.url}${path}`, { method, headers, body: raw?.text });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

let auth: AuthService;
let adminToken: string;

beforeAll(async () => {
  auth = await startAuthService(uniqueKafkaSetup(process.env.KAFKA_BROKERS!));
  adminToken = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
});

afterAll(async () => {
  await auth?.close();
});

const ROUTES: [method: string, path: string][] = [['GET', '/admin/audit']];

/** A token the auth service signed with its current key, with chosen claims (what the issuer would never grant). */
async function craftedToken(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signWith(auth.app.get(SigningKeyStore).signingKey(), {
    iss: auth.config.issuer,
    sub: 'admin-cli',
    client_id: 'admin-cli',
    aud: ['auth-service'],
    scope: 'auth:admin',
    iat: now,
    exp: now + 300,
    ...claims,
  });
}

/** How many admin calls the audit log holds (read from the database, not through the API under test). */
async function adminCallsAudited(): Promise<number> {
  const [row] = await auth.app
    .get(Database)
    .query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE type LIKE 'admin.%'`);
  return row!.n;
}

describe('the /admin guard (libs/auth, audience auth-service, scope auth:admin)', () => {
  it.each(ROUTES)(
    'answers %s %s without a token 401 with a bare Bearer challenge, doing nothing',
    async (method, path) => {
      const audited = await adminCallsAudited();
      const response = await call(auth, method, path, { json: method === 'POST' ? { reason: 'r' } : undefined });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="auth-service"');
      expect(response.body).toMatchObject({ error: 'unauthorized', errorCode: 'ERR_TOKEN_MISSING' });
      expect(await adminCallsAudited()).toBe(audited);
    },
  );

  it('answers an auth-service token without auth:admin 403 insufficient_scope naming the scope', async () => {
    const token = await craftedToken({ scope: 'orders:read' });
    for (const [method, path] of ROUTES) {
      const response = await call(auth, method, path, { token, json: method === 'POST' ? {} : undefined });
      expect({ path, status: response.status, errorCode: response.body.errorCode }).toEqual({
        path,
        status: 403,
        errorCode: 'ERR_INSUFFICIENT_SCOPE',
      });
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="auth-service", error="insufficient_scope", .*scope="auth:admin"$/,
      );
    }
  });

  it.each([
    ['an auth:admin token for another audience', { aud: ['orders-service'] }, 'ERR_TOKEN_AUDIENCE_INVALID'],
    ['an expired auth:admin token', { iat: 1_700_000_000, exp: 1_700_000_300 }, 'ERR_TOKEN_EXPIRED'],
    ['an auth:admin token of another issuer', { iss: 'http://127.0.0.1:1' }, 'ERR_TOKEN_ISSUER_INVALID'],
  ])('answers %s 401 invalid_token', async (_name, claims, errorCode) => {
    const response = await call(auth, 'GET', '/admin/audit', { token: await craftedToken(claims) });
    expect(response.status).toBe(401);
    expect(response.body.errorCode).toBe(errorCode);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="auth-service", error="invalid_token"/);
  });

  it('answers a real token of a client without admin rights 401 invalid_token (its aud lacks auth-service)', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.demo, 'orders:read');
    const response = await call(auth, 'GET', '/admin/audit', { token });
    expect(response.status).toBe(401);
    expect(response.body.errorCode).toBe('ERR_TOKEN_AUDIENCE_INVALID');
  });

  it('leaves the OAuth endpoints their RFC 6749 answers in the same app', async () => {
    const response = await fetch(`${auth.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer x' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });
});

describe('bad input', () => {
  it.each([
    ['audit: limit 0', 'GET', '/admin/audit?limit=0', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: limit 1001', 'GET', '/admin/audit?limit=1001', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: limit -1', 'GET', '/admin/audit?limit=-1', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: limit 1.5', 'GET', '/admin/audit?limit=1.5', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: limit 1e2', 'GET', '/admin/audit?limit=1e2', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: limit twice', 'GET', '/admin/audit?limit=1&limit=2', {}, 'ERR_AUDIT_LIMIT_INVALID'],
    ['audit: since in words', 'GET', '/admin/audit?since=yesterday', {}, 'ERR_AUDIT_SINCE_INVALID'],
    ['audit: since a date only', 'GET', '/admin/audit?since=2026-01-01', {}, 'ERR_AUDIT_SINCE_INVALID'],
    ['audit: since without offset', 'GET', '/admin/audit?since=2026-01-01T00:00:00', {}, 'ERR_AUDIT_SINCE_INVALID'],
    ['audit: since February 30', 'GET', '/admin/audit?since=2026-02-30T00:00:00Z', {}, 'ERR_AUDIT_SINCE_INVALID'],
    ['audit: since in milliseconds', 'GET', '/admin/audit?since=1777636800000', {}, 'ERR_AUDIT_SINCE_INVALID'],
    ['audit: unknown type', 'GET', '/admin/audit?type=admin.keys.delete', {}, 'ERR_AUDIT_TYPE_UNKNOWN'],
    ['audit: type twice', 'GET', '/admin/audit?type=key.created&type=key.decrypted', {}, 'ERR_AUDIT_TYPE_UNKNOWN'],
    ['audit: unknown parameter', 'GET', '/admin/audit?until=1777636800', {}, 'ERR_PARAMETER_UNKNOWN'],
  ] as [string, string, string, AdminRequest, string][])(
    'answers %s with 400 invalid_request',
    async (_name, method, path, request, errorCode) => {
      const response = await call(auth, method, path, { ...request, token: adminToken });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', errorCode, message: expect.any(String) },
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
    },
  );
});

describe('GET /admin/audit', () => {
  const read = async (query: string) => {
    const response = await call(auth, 'GET', `/admin/audit${query}`, { token: adminToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return response.body.entries as {
      id: string;
      at: string;
      type: string;
      actor: string;
      details: Record<string, unknown>;
    }[];
  };

  it("shows the admin calls, newest first, with the token's client as actor and how each ended", async () => {
    const { jti } = claimsOf(adminToken);
    await read('?type=key.decrypted&limit=5');

    const entries = await read('');
    expect(entries.length).toBeGreaterThan(2);
    expect(Object.keys(entries[0]!).sort()).toEqual(['actor', 'at', 'details', 'id', 'type']);
    const order = entries.map((entry) => [Date.parse(entry.at), Number(entry.id)]);
    expect(order).toEqual([...order].sort(([a, i], [b, j]) => b! - a! || j! - i!));
    expect(entries.find((entry) => entry.type.startsWith('admin.'))).toMatchObject({
      type: 'admin.audit.read',
      actor: 'admin-cli',
      details: {
        clientId: 'admin-cli',
        jti,
        outcome: 'ok',
        count: expect.any(Number),
        filter: { type: 'key.decrypted', since: null, limit: 5 },
      },
    });
    expect(JSON.stringify(entries)).not.toContain(adminToken.split('.')[2]);
  });

  it('filters by exact type, audits the read itself, and applies limit', async () => {
    const created = await read('?type=key.created');
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((entry) => entry.type))).toEqual(new Set(['key.created']));

    const reads = await read('?type=admin.audit.read&limit=1');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      actor: 'admin-cli',
      details: { outcome: 'ok', count: created.length, filter: { type: 'key.created', since: null, limit: null } },
    });
    expect(await read('?limit=2')).toHaveLength(2);
  });

  it('reads since an instant given as RFC 3339 or as NumericDate, inclusive', async () => {
    const [newest] = await read('?limit=1');
    const at = new Date(newest!.at);
    const iso = await read(`?since=${encodeURIComponent(at.toISOString())}`);
    expect(iso.map((entry) => entry.id)).toContain(newest!.id);
    expect(iso.every((entry) => Date.parse(entry.at) >= at.getTime())).toBe(true);
    const offset = await read(`?since=${encodeURIComponent(at.toISOString().replace('Z', '+00:00'))}`);
    expect(offset.map((entry) => entry.id)).toContain(newest!.id);
    const seconds = Math.floor(at.getTime() / 1000);
    const numeric = await read(`?since=${seconds}`);
    expect(numeric.map((entry) => entry.id)).toContain(newest!.id);
    expect(await read(`?since=${seconds + 3600}`)).toEqual([]);
    expect(await read('?type=&since=&limit=')).not.toEqual([]);
  });
});

describe('the admin guard and the revocation index', () => {
  it('refuses an admin token once it is revoked, through the same Kafka-fed index as every service', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    expect((await call(auth, 'GET', '/admin/audit', { token })).status).toBe(200);
    expect(await revokeToken(auth.url, CLIENTS.admin, token)).toBe(200);
    const refused = await waitFor('the admin API to refuse the revoked token', async () => {
      const response = await call(auth, 'GET', '/admin/audit', { token });
      return response.status === 200 ? undefined : response;
    });
    expect(refused.status).toBe(401);
    expect(refused.body.errorCode).toBe('ERR_TOKEN_REVOKED');
  });
});

describe('while Kafka is unreachable', () => {
  let isolated: AuthService;

  beforeAll(async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    isolated = await startAuthService(uniqueKafkaSetup(nowhere), { AUTH_OUTBOX_STARTUP_WAIT_MS: '0' });
  });

  afterAll(async () => {
    await isolated?.close();
  });

  it('still answers the admin API (revocation failure policy open: the revoke button works in an outage)', async () => {
    const token = await clientCredentialsToken(isolated.url, CLIENTS.admin, 'auth:admin');
    const response = await call(isolated, 'GET', '/admin/audit?type=key.created', { token });
    expect(response.status).toBe(200);
    expect(response.body.entries).toEqual([
      expect.objectContaining({ type: 'key.created' }),
      expect.objectContaining({ type: 'key.created' }),
    ]);
  });
});
