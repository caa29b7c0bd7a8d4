import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificates, type CertificatePaths } from '../../../../tools/tls/certificates.mjs';
import { transportConfigFromEnv } from './transport-config.env.js';

let dir: string;
let pem: CertificatePaths;
let other: CertificatePaths;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'transport-config-'));
  pem = createCertificates({ dir: join(dir, 'a'), days: 1 });
  other = createCertificates({ dir: join(dir, 'b'), days: 1 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TLS_PAIR = { X_TLS_CERT_FILE: 'cert', X_TLS_KEY_FILE: 'key' };
const dev = { production: false };
const production = { production: true };

describe('transportConfigFromEnv', () => {
  it('serves plain HTTP outside production by default, with tokens accepted over it', () => {
    expect(transportConfigFromEnv({}, 'ORDERS', dev)).toEqual({ requireHttps: false });
  });

  it('reads the TLS pair, the redirect port and the trusted proxies', () => {
    const config = transportConfigFromEnv(
      {
        ORDERS_TLS_CERT_FILE: pem.certFile,
        ORDERS_TLS_KEY_FILE: ` ${pem.keyFile} `,
        ORDERS_HTTP_REDIRECT_PORT: '8080',
        ORDERS_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7 ,loopback,fd00::/8',
      },
      'ORDERS',
      dev,
    );
    expect(config).toEqual({
      tls: { cert: readFileSync(pem.certFile), key: readFileSync(pem.keyFile) },
      httpRedirectPort: 8080,
      trustProxy: ['10.0.0.0/8', '192.0.2.7', 'loopback', 'fd00::/8'],
      requireHttps: true,
    });
  });

  it.each([
    ['TLS', { AUTH_TLS_CERT_FILE: 'cert', AUTH_TLS_KEY_FILE: 'key' }],
    ['trusted proxies', { AUTH_TRUST_PROXY: '10.1.2.3' }],
  ])('starts in production with %s and then requires HTTPS for tokens', (_name, env) => {
    expect(transportConfigFromEnv(withFiles(env), 'AUTH', production)).toMatchObject({ requireHttps: true });
  });

  it('refuses to start in production on plain HTTP without trusted proxies, naming the variables', () => {
    expect(() => transportConfigFromEnv({}, 'BILLING', production)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringMatching(/BILLING_TLS_CERT_FILE.*BILLING_TLS_KEY_FILE.*BILLING_TRUST_PROXY/),
      }),
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ['a certificate without its key', { X_TLS_CERT_FILE: 'cert' }, 'X_TLS_KEY_FILE'],
    ['a key without its certificate', { X_TLS_KEY_FILE: 'key' }, 'X_TLS_CERT_FILE'],
    ['a missing file', { X_TLS_CERT_FILE: '/nonexistent/cert.pem', X_TLS_KEY_FILE: 'key' }, 'X_TLS_CERT_FILE'],
    ['a key of another certificate', { X_TLS_CERT_FILE: 'cert', X_TLS_KEY_FILE: 'otherKey' }, 'X_TLS_KEY_FILE'],
    ['a certificate given as the key', { X_TLS_CERT_FILE: 'cert', X_TLS_KEY_FILE: 'cert' }, 'X_TLS_KEY_FILE'],
    ['a redirect port without TLS', { X_HTTP_REDIRECT_PORT: '8080' }, 'X_HTTP_REDIRECT_PORT'],
    ['a redirect port out of range', { ...TLS_PAIR, X_HTTP_REDIRECT_PORT: '70000' }, 'X_HTTP_REDIRECT_PORT'],
    ['a redirect port that is not a number', { ...TLS_PAIR, X_HTTP_REDIRECT_PORT: 'http' }, 'X_HTTP_REDIRECT_PORT'],
    ['a proxy that is not an address', { X_TRUST_PROXY: 'proxy.example.com' }, 'X_TRUST_PROXY'],
    ['trust in every client (true)', { X_TRUST_PROXY: 'true' }, 'X_TRUST_PROXY'],
    ['trust in every client (/0)', { X_TRUST_PROXY: '0.0.0.0/0' }, 'X_TRUST_PROXY'],
    ['a prefix too long for IPv4', { X_TRUST_PROXY: '10.0.0.0/33' }, 'X_TRUST_PROXY'],
  ])('refuses %s with a TypeError naming %s', (_name, env, variable) => {
    expect(() => transportConfigFromEnv(withFiles(env), 'X', dev)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(variable) }),
    );
  });
});

/**
 * Tables are built before `beforeAll` generates the files, so they name them `cert`, `key` and `otherKey` (the key
 * of another certificate); this swaps in the paths.
 */
function withFiles(env: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = { cert: pem.certFile, key: pem.keyFile, otherKey: other.keyFile };
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, files[value] ?? value]));
}
