import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpsLocation, startHttpsRedirect } from './https-redirect.server.js';

describe('httpsLocation', () => {
  it.each<[string | undefined, string | undefined, number, string | undefined]>([
    ['api.example.com', '/orders?page=2', 443, 'https://api.example.com/orders?page=2'],
    ['api.example.com:80', '/', 8443, 'https://api.example.com:8443/'],
    ['127.0.0.1:3080', '/oauth/token', 3000, 'https://127.0.0.1:3000/oauth/token'],
    ['[::1]:3080', '/health', 3000, 'https://[::1]:3000/health'],
    ['localhost', '//evil.example/path', 3000, 'https://localhost:3000//evil.example/path'],
    [undefined, '/', 443, undefined],
    ['', '/', 443, undefined],
    ['user@api.example.com', '/', 443, undefined],
    ['api.example.com/elsewhere', '/', 443, undefined],
    ['api.example.com?x', '/', 443, undefined],
    ['bad host', '/', 443, undefined],
    ['api.example.com', 'http://elsewhere.example/', 443, undefined],
    ['api.example.com', '*', 443, undefined],
  ])('Host %j, target %j, HTTPS port %d → %j', (host, target, port, expected) => {
    expect(httpsLocation(host, target, port)).toBe(expected);
  });
});

describe('startHttpsRedirect', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = await startHttpsRedirect({ host: '127.0.0.1', port: 0, httpsPort: 8443 });
    ({ port } = server.address() as AddressInfo);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function send(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers }));
      });
      outgoing.on('error', reject);
      outgoing.end(method === 'POST' ? 'grant_type=client_credentials' : undefined);
    });
  }

  it.each(['GET', 'POST', 'DELETE'])('answers %s with 308 to the same host and path over HTTPS', async (method) => {
    const response = await send(method, '/orders?page=2', { host: 'localhost:1234' });
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe('https://localhost:8443/orders?page=2');
  });

  it('carries the security headers but never Strict-Transport-Security over plain HTTP', async () => {
    const { headers } = await send('GET', '/');
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none';frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headers['x-powered-by']).toBeUndefined();
  });

  it('answers 400 rather than redirect to a Host that is more than a host and port', async () => {
    const response = await send('GET', '/', { host: 'user@evil.example' });
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });

  it('refuses a port already taken', async () => {
    await expect(startHttpsRedirect({ host: '127.0.0.1', port, httpsPort: 8443 })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
