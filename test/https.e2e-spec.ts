import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificates, type CertificatePaths } from '../tools/tls/certificates.mjs';
import { freePort } from './support/free-port.js';
import { call, type HttpAnswer } from './support/https-client.js';
import { CLIENTS } from './support/oauth-client.js';
import {
  startAuthService,
  startBillingService,
  startOrdersService,
  uniqueKafkaSetup,
  type KafkaSetup,
  type RunningService,
  type ResourceServerSetup,
} from './support/services.js';
import { waitFor } from './support/wait-for.js';

const HSTS = 'max-age=31536000; includeSubDomains';
const CSP = "default-src 'none';frame-ancestors 'none'";

let dir: string;
let pem: CertificatePaths;
let ca: Buffer;
let kafka: KafkaSetup;
let auth: RunningService & { config: { issuer: string } };
let orders: RunningService;
let billing: RunningService;
let token: string;
const started: RunningService[] = [];

/** Every service of this file is started with the same certificate and its own redirect port. */
async function tlsEnv(prefix: string): Promise<Record<string, string>> {
  return {
    [`${prefix}_TLS_CERT_FILE`]: pem.certFile,
    [`${prefix}_TLS_KEY_FILE`]: pem.keyFile,
    [`${prefix}_HTTP_REDIRECT_PORT`]: String(await freePort()),
  };
}

async function startResourceServer(
  start: (setup: ResourceServerSetup) => Promise<RunningService>,
  env: Record<string, string>,
): Promise<RunningService> {
  const service = await start({ issuer: auth.config.issuer, kafka, env, issuerCa: ca });
  started.push(service);
  await waitFor(`${service.url} readiness`, async () =>
    (await call(`${service.url}/health`, { ca })).status === 200 ? true : undefined,
  );
  return service;
}

function basic(client: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
}

function requestToken(authUrl: string, scope: string): Promise<HttpAnswer> {
  return call(`${authUrl}/oauth/token`, {
    ca,
    method: 'POST',
    headers: { authorization: basic(CLIENTS.demo), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
}

function bearer(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return call(url, { ca, headers: { authorization: `Bearer ${token}`, ...headers } });
}

function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CSP,
    'x-frame-options': 'DENY',
  });
  expect(headers['x-powered-by']).toBeUndefined();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'https-e2e-'));
  pem = createCertificates({ dir, days: 1 });
  ca = readFileSync(pem.caFile);
  kafka = uniqueKafkaSetup(process.env.KAFKA_BROKERS!);
  // AUTH_ISSUER unset: with TLS the default issuer is https://127.0.0.1:<port>.
  auth = await startAuthService(kafka, { ...(await tlsEnv('AUTH')), AUTH_ISSUER: undefined });
  started.push(auth);
  orders = await startResourceServer(startOrdersService, await tlsEnv('ORDERS'));
  billing = await startResourceServer(startBillingService, await tlsEnv('BILLING'));
  const answer = await requestToken(auth.url, 'orders:read billing:read');
  expect(answer.status).toBe(200);
  token = answer.json().access_token as string;
});

afterAll(async () => {
  await Promise.all(started.filter((service) => service !== auth).map((service) => service.close()));
  await auth?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the stack over HTTPS', () => {
  it('serves every service over https with the issuer, token endpoint and JWKS URI on https:', async () => {
    expect([auth.url, orders.url, billing.url].every((url) => url.startsWith('https://127.0.0.1:'))).toBe(true);
    expect(auth.config.issuer).toBe(auth.url);
    const discovery = await call(`${auth.url}/.well-known/oauth-authorization-server`, { ca });
    expect(discovery.json()).toMatchObject({
      issuer: auth.url,
      token_endpoint: `${auth.url}/oauth/token`,
      jwks_uri: `${auth.url}/.well-known/jwks.json`,
    });
  });

  it('issues a token over HTTPS with Cache-Control: no-store and Strict-Transport-Security', async () => {
    const answer = await requestToken(auth.url, 'orders:read');
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['strict-transport-security']).toBe(HSTS);
    expectSecurityHeaders(answer.headers);
  });

  it('has both resource servers accept the token over HTTPS, with Strict-Transport-Security', async () => {
    for (const url of [`${orders.url}/orders`, `${billing.url}/invoices`]) {
      const answer = await bearer(url);
      expect(answer.status).toBe(200);
      expect(answer.headers['strict-transport-security']).toBe(HSTS);
    }
  });

  it('puts the security headers on every answer of every service, errors and unknown paths included', async () => {
    const answers = await Promise.all([
      call(`${auth.url}/.well-known/jwks.json`, { ca }),
      call(`${auth.url}/oauth/token`, { ca, method: 'POST' }),
      call(`${auth.url}/nowhere`, { ca }),
      bearer(`${orders.url}/orders`),
      call(`${orders.url}/orders`, { ca }),
      call(`${orders.url}/nowhere`, { ca }),
      bearer(`${billing.url}/invoices`),
      call(`${billing.url}/invoices`, { ca }),
      call(`${billing.url}/nowhere`, { ca }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 404, 200, 401, 404, 200, 401, 404]);
    for (const answer of answers) {
      expectSecurityHeaders(answer.headers);
      expect(answer.headers['strict-transport-security']).toBe(HSTS);
    }
  });

  it('redirects each plain-HTTP port with 308 to the same host and path over HTTPS, without HSTS', async () => {
    for (const service of [auth, orders, billing]) {
      const { port } = new URL(service.url);
      for (const [method, path] of [
        ['GET', '/orders?page=2'],
        ['POST', '/oauth/token'],
      ]) {
        const answer = await call(`${service.redirectUrl!}${path}`, { method, body: method === 'POST' ? 'x=1' : '' });
        expect(answer.status).toBe(308);
        expect(answer.headers.location).toBe(`https://127.0.0.1:${port}${path}`);
        expect(answer.headers['strict-transport-security']).toBeUndefined();
        expectSecurityHeaders(answer.headers);
      }
    }
    const followed = await bearer((await call(`${orders.redirectUrl!}/orders`)).headers.location!);
    expect(followed.status).toBe(200);
  });

  it('is trusted by a Node process given the CA in NODE_EXTRA_CA_CERTS (what npm start -- --tls does), not without', async () => {
    const script =
      'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 2), ' +
      '(e) => { console.error(e.cause?.code); process.exit(3); })';
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['-e', script, `${auth.url}/.well-known/jwks.json`],
          { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
          (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
        );
      });
    expect(await run({ NODE_EXTRA_CA_CERTS: pem.caFile })).toEqual({ code: 0, stderr: '' });
    const untrusted = await run({});
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('behind a TLS-terminating proxy (<APP>_TRUST_PROXY, plain HTTP to the service)', () => {
  let proxiedOrders: RunningService;
  let proxiedBilling: RunningService;

  beforeAll(async () => {
    // The test connects from 127.0.0.1: it plays the proxy.
    proxiedOrders = await startResourceServer(startOrdersService, { ORDERS_TRUST_PROXY: '127.0.0.1' });
    proxiedBilling = await startResourceServer(startBillingService, { BILLING_TRUST_PROXY: '127.0.0.1' });
  });

  it.each([
    ['forwarded as http', { 'x-forwarded-proto': 'http' }],
    ['not forwarded at all', {}],
  ])('refuses the token on a request %s: 400 invalid_request, ERR_INSECURE_TRANSPORT', async (_name, headers) => {
    for (const url of [`${proxiedOrders.url}/orders`, `${proxiedBilling.url}/invoices`]) {
      const answer = await bearer(url, headers);
      expect(answer.status).toBe(400);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_request"/);
      expect(answer.json()).toMatchObject({ error: 'invalid_request', errorCode: 'ERR_INSECURE_TRANSPORT' });
      expect(answer.text).not.toContain(token);
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('accepts the token on a request forwarded as https, and answers with Strict-Transport-Security', async () => {
    for (const url of [`${proxiedOrders.url}/orders`, `${proxiedBilling.url}/invoices`]) {
      const answer = await bearer(url, { 'x-forwarded-proto': 'https' });
      expect(answer.status).toBe(200);
      expect(answer.headers['strict-transport-security']).toBe(HSTS);
      expectSecurityHeaders(answer.headers);
    }
  });

  it('keeps public routes (health probes) open over the proxied plain HTTP', async () => {
    for (const service of [proxiedOrders, proxiedBilling]) {
      expect((await call(`${service.url}/health`, { headers: { 'x-forwarded-proto': 'http' } })).status).toBe(200);
    }
  });

  it('ignores X-Forwarded-Proto from a client that is not one of the trusted proxies', async () => {
    const elsewhere = await startResourceServer(startOrdersService, { ORDERS_TRUST_PROXY: '192.0.2.1' });
    const answer = await bearer(`${elsewhere.url}/orders`, { 'x-forwarded-proto': 'https' });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ errorCode: 'ERR_INSECURE_TRANSPORT' });
    expect(answer.headers['strict-transport-security']).toBeUndefined();
  });
});
