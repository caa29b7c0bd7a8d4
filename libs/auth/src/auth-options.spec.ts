import { describe, expect, it } from '@jest/globals';
import { resolveAuthOptions, type AuthOptions } from './auth-options.js';

const valid: AuthOptions = { issuer: 'https://auth.example.com', audience: 'orders-service' };

describe('resolveAuthOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveAuthOptions(valid)).toMatchObject({
      audiences: ['orders-service'],
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      algorithms: ['ES256', 'EdDSA', 'RS256'],
      clockToleranceSeconds: 30,
      maxTokenBytes: 8192,
      realm: 'orders-service',
      topics: { revocations: 'auth.revocations.v1', keys: 'auth.keys.v1' },
      groupIdPrefix: 'orders-service',
      revocationFailurePolicy: 'closed',
      requireHttps: false,
      maxStalenessSeconds: 30,
      jwks: { cooldownMs: 30_000, maxAgeMs: 600_000, timeoutMs: 5_000 },
      tokenCache: { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 },
    });
  });

  it('keeps the token cache bounds given, and the other bound at its default', () => {
    expect(resolveAuthOptions({ ...valid, tokenCache: { maxEntries: 50 } }).tokenCache).toEqual({
      maxEntries: 50,
      maxBytes: 16 * 1024 * 1024,
    });
    expect(resolveAuthOptions({ ...valid, tokenCache: false }).tokenCache).toBe(false);
  });

  it.each([
    ['http on loopback', { issuer: 'http://127.0.0.1:3000' }],
    ['http off loopback with allowInsecureHttp', { issuer: 'http://auth-service:3000', allowInsecureHttp: true }],
    ['several audiences and algorithms', { audience: ['a', 'b'], algorithms: ['ES256', 'EdDSA', 'PS256'] }],
    ['a one-second staleness bound', { maxStalenessSeconds: 1 }],
    ['a day as staleness bound', { maxStalenessSeconds: 86_400 }],
    ['the token cache disabled', { tokenCache: false }],
  ])('accepts %s', (_name, overrides) => {
    expect(() => resolveAuthOptions({ ...valid, ...overrides } as AuthOptions)).not.toThrow();
  });

  it.each([
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'http://auth.example.com' }],
    ['jwksUri', { jwksUri: 'http://keys.example.com/jwks.json' }],
    ['audience', { audience: [] }],
    ['audience', { audience: '' }],
    ['algorithms', { algorithms: ['HS256'] }],
    ['algorithms', { algorithms: ['none'] }],
    ['algorithms', { algorithms: [] }],
    ['clockToleranceSeconds', { clockToleranceSeconds: 301 }],
    ['clockToleranceSeconds', { clockToleranceSeconds: 1.5 }],
    ['maxTokenBytes', { maxTokenBytes: 10 }],
    ['topics.keys', { topics: { keys: 'no spaces allowed' } }],
    ['loadKeys', { loadKeys: 'https://auth.example.com/keys' }],
    ['revocationFailurePolicy', { revocationFailurePolicy: 'sometimes' }],
    ['requireHttps', { requireHttps: 'yes' }],
    ['maxStalenessSeconds', { maxStalenessSeconds: 0 }],
    ['maxStalenessSeconds', { maxStalenessSeconds: 2.5 }],
    ['maxStalenessSeconds', { maxStalenessSeconds: 86_401 }],
    ['maxStalenessSeconds', { maxStalenessSeconds: '30' }],
    ['jwks.cooldownMs', { jwks: { cooldownMs: -1 } }],
    ['tokenCache', { tokenCache: true }],
    ['tokenCache', { tokenCache: null }],
    ['tokenCache.maxEntries', { tokenCache: { maxEntries: 0 } }],
    ['tokenCache.maxEntries', { tokenCache: { maxEntries: '100' } }],
    ['tokenCache.maxBytes', { tokenCache: { maxBytes: 1.5e6 + 0.5 } }],
    ['tokenCache.maxBytes', { tokenCache: { maxBytes: 1024 } }],
  ])('refuses a bad %s at boot with a TypeError naming it', (option, overrides) => {
    expect(() => resolveAuthOptions({ ...valid, ...overrides } as AuthOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`AuthOptions.${option}`) }),
    );
  });
});
