import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SigningKeyStore } from '../apps/auth-service/src/keys/signing-key.store.js';
import { Database } from '../apps/auth-service/src/storage/database.js';
import { adminCall as call, type AdminAnswer, type AdminRequest } from './support/admin-api.js';
import { claimsOf, signWith } from './support/crafted-tokens.js';
import { freePort } from './support/free-port.js';
import { clientCredentialsToken, CLIENTS, revokeToken } from './support/oauth-client.js';
import { startAuthService, uniqueKafkaSetup, type RunningService } from './support/services.js';
import { waitFor } from './support/wait-for.js';

type AuthService = Awaited<ReturnType<typeof startAuthService>>;

/** Members of a private JWK (RFC 7518 §6.2.2, §6.3.2, §6.4) and of a stored key row: none may ever be answered. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'privateKey', 'private_key_ciphertext'];

/** The next key may become current once published this long (short, so rotations are testable; 409 before). */
const PUBLISH_AHEAD_SECONDS = 3;

/** Every object key anywhere in a JSON value. */
function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, member]) => [key, ...keysDeep(member)]);
}

let auth: AuthService;
let adminToken: string;

beforeAll(async () => {
  auth = await startAuthService(uniqueKafkaSetup(process.env.KAFKA_BROKERS!), {
    AUTH_KEY_PUBLISH_AHEAD_SECONDS: String(PUBLISH_AHEAD_SECONDS),
  });
  adminToken = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
});

afterAll(async () => {
  await auth?.close();
});

const ROUTES: [method: string, path: string][] = [
  ['GET', '/admin/keys'],
  ['POST', '/admin/keys/rotate'],
  ['POST', '/admin/keys/some-kid/revoke'],
  ['GET', '/admin/audit'],
];

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

interface KeyView {
  kid: string;
  alg: string;
  state: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  revokedAt: string | null;
}

async function listKeys(service: RunningService = auth): Promise<KeyView[]> {
  const response = await call(service, 'GET', '/admin/keys', {
    token: await clientCredentialsToken(service.url, CLIENTS.admin, 'auth:admin'),
  });
  expect(response.status).toBe(200);
  return response.body.keys as KeyView[];
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

describe('GET /admin/keys', () => {
  it('lists the signing keys, newest first, in the contract shape and with no private member anywhere', async () => {
    const response = await call(auth, 'GET', '/admin/keys', { token: adminToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(response.body)).toEqual(['keys']);
    const keys = response.body.keys as KeyView[];
    expect(keys.map((key) => key.state).sort()).toEqual(['current', 'next']);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(
        ['activatedAt', 'alg', 'createdAt', 'kid', 'retiredAt', 'revokedAt', 'state'].sort(),
      );
      for (const field of ['createdAt', 'activatedAt', 'retiredAt', 'revokedAt'] as const) {
        const value = key[field];
        if (value !== null) expect(new Date(value).toISOString()).toBe(value);
      }
    }
    const created = keys.map((key) => Date.parse(key.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const current = keys.find((key) => key.state === 'current')!;
    expect(current).toMatchObject({ alg: 'ES256', activatedAt: expect.any(String), retiredAt: null, revokedAt: null });
    expect(current.kid).toBe(JSON.parse(Buffer.from(adminToken.split('.')[0]!, 'base64url').toString()).kid);
    expect(keysDeep(response.body).filter((member) => PRIVATE_MEMBERS.includes(member))).toEqual([]);
  });
});

describe('bad input', () => {
  it.each([
    [
      'rotate: alg not one of the three',
      'POST',
      '/admin/keys/rotate',
      { json: { alg: 'HS256' } },
      'ERR_ALG_UNSUPPORTED',
    ],
    ['rotate: alg none', 'POST', '/admin/keys/rotate', { json: { alg: 'none' } }, 'ERR_ALG_UNSUPPORTED'],
    ['rotate: alg null', 'POST', '/admin/keys/rotate', { json: { alg: null } }, 'ERR_ALG_UNSUPPORTED'],
    ['rotate: alg lower case', 'POST', '/admin/keys/rotate', { json: { alg: 'es256' } }, 'ERR_ALG_UNSUPPORTED'],
    [
      'rotate: an unknown member',
      'POST',
      '/admin/keys/rotate',
      { json: { alg: 'ES256', force: true } },
      'ERR_PARAMETER_UNKNOWN',
    ],
    ['rotate: a JSON array', 'POST', '/admin/keys/rotate', { json: [] }, 'ERR_BODY_INVALID'],
    [
      'rotate: a form body',
      'POST',
      '/admin/keys/rotate',
      { raw: { text: 'alg=RS256', contentType: 'application/x-www-form-urlencoded' } },
      'ERR_CONTENT_TYPE_UNSUPPORTED',
    ],
    [
      'rotate: a text body',
      'POST',
      '/admin/keys/rotate',
      { raw: { text: '{"alg":"RS256"}', contentType: 'text/plain' } },
      'ERR_CONTENT_TYPE_UNSUPPORTED',
    ],
    ['revoke: no body', 'POST', 'revoke', {}, 'ERR_REASON_INVALID'],
    ['revoke: no reason', 'POST', 'revoke', { json: {} }, 'ERR_REASON_INVALID'],
    ['revoke: empty reason', 'POST', 'revoke', { json: { reason: '' } }, 'ERR_REASON_INVALID'],
    ['revoke: blank reason', 'POST', 'revoke', { json: { reason: ' \t\n' } }, 'ERR_REASON_INVALID'],
    ['revoke: reason not a string', 'POST', 'revoke', { json: { reason: 42 } }, 'ERR_REASON_INVALID'],
    [
      'revoke: reason of 1025 characters',
      'POST',
      'revoke',
      { json: { reason: 'x'.repeat(1025) } },
      'ERR_REASON_INVALID',
    ],
    [
      'revoke: reason and an unknown member',
      'POST',
      'revoke',
      { json: { reason: 'r', kid: 'other' } },
      'ERR_PARAMETER_UNKNOWN',
    ],
    [
      'revoke: kid of 257 characters',
      'POST',
      `/admin/keys/${'k'.repeat(257)}/revoke`,
      { json: { reason: 'r' } },
      'ERR_KID_INVALID',
    ],
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
      const keysBefore = await listKeys();
      const url =
        path === 'revoke' ? `/admin/keys/${keysBefore.find((key) => key.state === 'current')!.kid}/revoke` : path;
      const response = await call(auth, method, url, { ...request, token: adminToken });
      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: { error: 'invalid_request', errorCode, message: expect.any(String) },
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await listKeys()).toEqual(keysBefore);
    },
  );

  // The JSON parser refuses these before routing, where only the global filters answer: Nest's 400 body.
  it.each([
    ['malformed JSON', '{"alg":'],
    ['a JSON string (not an object)', '"ES256"'],
  ])('answers %s with a 400, not a server error', async (_name, text) => {
    const response = await call(auth, 'POST', '/admin/keys/rotate', {
      token: adminToken,
      raw: { text, contentType: 'application/json' },
    });
    expect(response.status).toBe(400);
  });

  it('answers an unknown kid 404 ERR_KEY_NOT_FOUND', async () => {
    const response = await call(auth, 'POST', '/admin/keys/no-such-kid/revoke', {
      token: adminToken,
      json: { reason: 'test' },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', errorCode: 'ERR_KEY_NOT_FOUND', message: expect.any(String) });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
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
    await call(auth, 'GET', '/admin/keys', { token: adminToken });
    await call(auth, 'POST', '/admin/keys/unknown-kid/revoke', { token: adminToken, json: { reason: 'drill' } });
    await read('?type=key.decrypted&limit=5');

    const entries = await read('');
    expect(entries.length).toBeGreaterThan(2);
    expect(Object.keys(entries[0]!).sort()).toEqual(['actor', 'at', 'details', 'id', 'type']);
    const order = entries.map((entry) => [Date.parse(entry.at), Number(entry.id)]);
    expect(order).toEqual([...order].sort(([a, i], [b, j]) => b! - a! || j! - i!));
    const [read5, revoke, list] = entries.filter((entry) => entry.type.startsWith('admin.'));
    expect(read5).toMatchObject({
      type: 'admin.audit.read',
      actor: 'client:admin-cli',
      details: {
        clientId: 'admin-cli',
        jti,
        outcome: 'ok',
        count: expect.any(Number),
        filter: { type: 'key.decrypted', since: null, limit: 5 },
      },
    });
    expect(revoke).toMatchObject({
      type: 'admin.keys.revoke',
      actor: 'client:admin-cli',
      details: { clientId: 'admin-cli', jti, kid: 'unknown-kid', reason: 'drill', outcome: 'ERR_KEY_NOT_FOUND' },
    });
    expect(list).toMatchObject({
      type: 'admin.keys.list',
      actor: 'client:admin-cli',
      details: { clientId: 'admin-cli', jti, outcome: 'ok', count: 2 },
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
      actor: 'client:admin-cli',
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

/** The `kid` and `alg` of a compact JWS (unverified: test inspection only). */
function headerOf(token: string): { kid: string; alg: string } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string; alg: string };
}

async function publishedKids(): Promise<{ kid: string; kty: string; alg: string }[]> {
  const response = await fetch(`${auth.url}/.well-known/jwks.json`);
  return ((await response.json()) as { keys: { kid: string; kty: string; alg: string }[] }).keys;
}

/** `POST /admin/keys/rotate`, again while it is refused as too soon (bounded: the publish-ahead period). */
async function rotateWhenAllowed(token: string, json: unknown): Promise<AdminAnswer> {
  return waitFor(
    'a rotation to be allowed',
    async () => {
      const response = await call(auth, 'POST', '/admin/keys/rotate', { token, json });
      return response.status === 409 ? undefined : response;
    },
    { timeoutMs: (PUBLISH_AHEAD_SECONDS + 10) * 1000, intervalMs: 250 },
  );
}

describe('rotating and revoking keys through the admin API', () => {
  const state = (keys: KeyView[], kid: string) => keys.find((key) => key.kid === kid)?.state;

  it('rotates: next → current, current → previous, a new next of the asked algorithm; audited as the admin', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    const before = await listKeys();
    const oldCurrent = before.find((key) => key.state === 'current')!.kid;
    const oldNext = before.find((key) => key.state === 'next')!.kid;

    const response = await rotateWhenAllowed(token, { alg: 'EdDSA' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { current, next, previous } = response.body as { current: string; next: string; previous: string };
    expect(Object.keys(response.body).sort()).toEqual(['current', 'next', 'previous']);
    expect({ current, previous }).toEqual({ current: oldNext, previous: oldCurrent });

    const after = await listKeys();
    expect(after[0]).toMatchObject({ kid: next, alg: 'EdDSA', state: 'next' });
    expect([state(after, current), state(after, previous)]).toEqual(['current', 'previous']);
    expect((await publishedKids()).map((key) => key.kid).sort()).toEqual([current, next, previous].sort());

    const [entry] = (await call(auth, 'GET', '/admin/audit?type=admin.keys.rotate&limit=1', { token })).body
      .entries as { actor: string; details: Record<string, unknown> }[];
    expect(entry).toMatchObject({
      actor: 'client:admin-cli',
      details: { alg: 'EdDSA', outcome: 'ok', current, next, previous, jti: claimsOf(token).jti },
    });
    const activated = (await call(auth, 'GET', '/admin/audit?type=key.activated&limit=1', { token })).body.entries as {
      actor: string;
      details: Record<string, unknown>;
    }[];
    expect(activated[0]).toMatchObject({ actor: 'client:admin-cli', details: { kid: current } });
  });

  it('refuses a rotation before the next key was published long enough: 409 with Retry-After, nothing changed', async () => {
    const token = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    const before = await listKeys();
    const response = await call(auth, 'POST', '/admin/keys/rotate', { token });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      error: 'conflict',
      errorCode: 'ERR_KEY_ROTATION_TOO_SOON',
      message: expect.any(String),
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(PUBLISH_AHEAD_SECONDS);
    expect(await listKeys()).toEqual(before);
    const [entry] = (await call(auth, 'GET', '/admin/audit?type=admin.keys.rotate&limit=1', { token })).body
      .entries as { details: Record<string, unknown> }[];
    expect(entry!.details).toMatchObject({ alg: null, outcome: 'ERR_KEY_ROTATION_TOO_SOON' });
  });

  it('accepts admin tokens signed by an EdDSA and then an RS256 current key (keys read from the store at run time)', async () => {
    const rotated = await rotateWhenAllowed(await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin'), {
      alg: 'RS256',
    });
    expect(rotated.status).toBe(200);
    const eddsaToken = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    expect(headerOf(eddsaToken)).toMatchObject({ kid: (rotated.body as { current: string }).current, alg: 'EdDSA' });
    expect((await call(auth, 'GET', '/admin/keys', { token: eddsaToken })).status).toBe(200);
    const rsa = (await publishedKids()).find((key) => key.kid === (rotated.body as { next: string }).next);
    expect(rsa).toMatchObject({ kty: 'RSA', alg: 'RS256' });

    // Revoking the current (EdDSA) key promotes the RS256 next key at once: a current key always exists.
    const revoked = await call(auth, 'POST', `/admin/keys/${headerOf(eddsaToken).kid}/revoke`, {
      token: eddsaToken,
      json: { reason: 'drill: current key' },
    });
    expect(revoked).toMatchObject({ status: 200, body: { kid: headerOf(eddsaToken).kid, state: 'revoked' } });
    const rsaToken = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    expect(headerOf(rsaToken)).toMatchObject({ kid: rsa!.kid, alg: 'RS256' });
    expect((await call(auth, 'GET', '/admin/keys', { token: rsaToken })).status).toBe(200);
    const keys = await listKeys();
    expect(keys.filter((key) => key.state === 'current').map((key) => key.kid)).toEqual([rsa!.kid]);
    expect(keys.filter((key) => key.state === 'next')).toHaveLength(1);
  });

  it('revokes a key: out of the JWKS at once, its tokens refused by the admin guard itself, audited; again is a no-op', async () => {
    const firstKey = headerOf(adminToken).kid;
    const token = await clientCredentialsToken(auth.url, CLIENTS.admin, 'auth:admin');
    expect((await call(auth, 'GET', '/admin/keys', { token: adminToken })).status).toBe(200);

    const response = await call(auth, 'POST', `/admin/keys/${firstKey}/revoke`, {
      token,
      json: { reason: 'drill: key leaked' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kid: firstKey, state: 'revoked' });
    expect((await publishedKids()).map((key) => key.kid)).not.toContain(firstKey);
    const revoked = (await listKeys()).find((key) => key.kid === firstKey)!;
    expect(revoked).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });

    const refused = await waitFor('the admin guard to refuse tokens of the revoked key', async () => {
      const answer = await call(auth, 'GET', '/admin/keys', { token: adminToken });
      return answer.status === 200 ? undefined : answer;
    });
    expect(refused.status).toBe(401);
    expect(['ERR_TOKEN_REVOKED', 'ERR_TOKEN_KEY_UNKNOWN']).toContain(refused.body.errorCode);

    const again = await call(auth, 'POST', `/admin/keys/${firstKey}/revoke`, { token, json: { reason: 'again' } });
    expect(again).toMatchObject({ status: 200, body: { kid: firstKey, state: 'revoked' } });
    const entries = (await call(auth, 'GET', '/admin/audit?type=admin.keys.revoke&limit=2', { token })).body
      .entries as { actor: string; details: Record<string, unknown> }[];
    expect(
      entries.map((entry) => [entry.actor, entry.details.kid, entry.details.reason, entry.details.outcome]),
    ).toEqual([
      ['client:admin-cli', firstKey, 'again', 'ok'],
      ['client:admin-cli', firstKey, 'drill: key leaked', 'ok'],
    ]);
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

  it('revokes a key (policy open: no 503 on an instance that never reached Kafka); its events wait in the outbox', async () => {
    const token = await clientCredentialsToken(isolated.url, CLIENTS.admin, 'auth:admin');
    const next = (await listKeys(isolated)).find((key) => key.state === 'next')!.kid;
    const response = await call(isolated, 'POST', `/admin/keys/${next}/revoke`, {
      token,
      json: { reason: 'drill during an outage' },
    });
    expect(response).toMatchObject({ status: 200, body: { kid: next, state: 'revoked' } });
    expect((await listKeys(isolated)).find((key) => key.kid === next)?.state).toBe('revoked');
    const unsent = await isolated.app
      .get(Database)
      .query<{ topic: string; record_key: string }>('SELECT topic, record_key FROM outbox WHERE sent_at IS NULL');
    expect(unsent).toEqual(
      expect.arrayContaining([
        { topic: isolated.config.kafka.keysTopic, record_key: next },
        { topic: isolated.config.kafka.revocationsTopic, record_key: `kid:${next}` },
      ]),
    );
  });
});
