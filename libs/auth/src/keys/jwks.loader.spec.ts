import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwksLoader, MAX_JWKS_BYTES } from './jwks.loader.js';

/** A real JWKS endpoint on loopback; each test says how it answers. */
let server: Server;
let baseUrl: string;
let answer: (response: ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = createServer((_request, response) => answer(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const load = () => createJwksLoader({ jwksUri: `${baseUrl}/jwks`, timeoutMs: 2_000 })();

describe('createJwksLoader', () => {
  it('returns the keys array as published', async () => {
    answer = (response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[{"kid":"a"}]}');
    await expect(load()).resolves.toEqual([{ kid: 'a' }]);
  });

  it.each([
    ['a non-200 answer', (r: ServerResponse) => r.writeHead(503).end()],
    ['a body that is not a key set', (r: ServerResponse) => r.writeHead(200).end('{"kys":[]}')],
    ['invalid JSON', (r: ServerResponse) => r.writeHead(200).end('{')],
    [
      'a declared length over the limit',
      (r: ServerResponse) =>
        r.writeHead(200, { 'content-length': String(MAX_JWKS_BYTES + 1) }).end('x'.repeat(MAX_JWKS_BYTES + 1)),
    ],
    [
      'a streamed body over the limit',
      (r: ServerResponse) => {
        r.writeHead(200, { 'content-type': 'application/json' });
        r.write('x'.repeat(MAX_JWKS_BYTES));
        r.end('x'.repeat(1024));
      },
    ],
  ])('refuses %s as unavailable', async (_name, respond) => {
    answer = respond;
    await expect(load()).rejects.toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE' });
  });
});
