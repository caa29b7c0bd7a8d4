import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { resourceServerConfigFromEnv } from './resource-server-config.env.js';

const defaults = {
  port: 3001,
  audience: 'orders-service',
  clientId: 'orders-service',
  revocationFailurePolicy: 'open',
} as const;

/** What a production start needs at least. */
const production = {
  ORDERS_ISSUER: 'https://auth.example.com',
  KAFKA_BROKERS: 'kafka:9092',
  ORDERS_TRUST_PROXY: 'loopback',
};

describe('resourceServerConfigFromEnv', () => {
  it('applies the local defaults in development', () => {
    expect(resourceServerConfigFromEnv({ NODE_ENV: 'development' }, 'ORDERS', defaults)).toEqual({
      host: '127.0.0.1',
      port: 3001,
      jsonLogs: false,
      logLevel: 'info',
      transport: { requireHttps: false },
      auth: {
        issuer: 'http://127.0.0.1:3000',
        audience: 'orders-service',
        jwksUri: undefined,
        algorithms: undefined,
        clockToleranceSeconds: undefined,
        revocationFailurePolicy: 'open',
        maxStalenessSeconds: undefined,
        allowInsecureHttp: undefined,
        tokenCache: undefined,
        requireHttps: false,
        topics: { revocations: undefined, keys: undefined },
        kafka: { brokers: ['127.0.0.1:19092'], clientId: 'orders-service' },
      },
    });
  });

  it('reads the prefixed variables and the shared ones', () => {
    const config = resourceServerConfigFromEnv(
      {
        NODE_ENV: 'production',
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        ORDERS_HOST: '0.0.0.0',
        ORDERS_PORT: '8080',
        ORDERS_ISSUER: 'https://auth.example.com',
        ORDERS_ALGORITHMS: 'ES256,EdDSA',
        ORDERS_CLOCK_TOLERANCE_SECONDS: '10',
        ORDERS_JWKS_URI: 'https://keys.example.com/jwks.json',
        ORDERS_REVOCATION_FAILURE_POLICY: 'closed',
        ORDERS_MAX_STALENESS_SECONDS: '12',
        ORDERS_ALLOW_INSECURE_HTTP: 'false',
        ORDERS_TOKEN_CACHE_MAX_ENTRIES: '500',
        ORDERS_TOKEN_CACHE_MAX_BYTES: '1048576',
        ORDERS_REVOCATIONS_TOPIC: 'auth.revocations.v1.staging',
        ORDERS_KEYS_TOPIC: 'auth.keys.v1.staging',
        ORDERS_TRUST_PROXY: '10.0.0.0/8',
        BILLING_PORT: '9999',
      },
      'ORDERS',
      defaults,
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      jsonLogs: true,
      transport: { trustProxy: ['10.0.0.0/8'], requireHttps: true },
      auth: {
        issuer: 'https://auth.example.com',
        requireHttps: true,
        jwksUri: 'https://keys.example.com/jwks.json',
        algorithms: ['ES256', 'EdDSA'],
        clockToleranceSeconds: 10,
        revocationFailurePolicy: 'closed',
        maxStalenessSeconds: 12,
        allowInsecureHttp: false,
        tokenCache: { maxEntries: 500, maxBytes: 1_048_576 },
        topics: { revocations: 'auth.revocations.v1.staging', keys: 'auth.keys.v1.staging' },
        kafka: { brokers: ['k1:9092', 'k2:9092'] },
      },
    });
  });

  it('connects to Kafka over TLS in production, with SASL from the shared variables and a password file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'resource-server-env-'));
    const passwordFile = join(dir, 'kafka-password');
    writeFileSync(passwordFile, 'from-the-file\n');
    try {
      const config = resourceServerConfigFromEnv(
        {
          NODE_ENV: 'production',
          ORDERS_ISSUER: 'https://auth.example.com',
          ORDERS_TRUST_PROXY: 'loopback',
          KAFKA_BROKERS: 'kafka:9093',
          KAFKA_SASL_MECHANISM: 'scram-sha-256',
          KAFKA_SASL_USERNAME: 'orders-service',
          KAFKA_SASL_PASSWORD_FILE: passwordFile,
        },
        'ORDERS',
        defaults,
      );
      expect(config.auth.kafka).toEqual({
        brokers: ['kafka:9093'],
        clientId: 'orders-service',
        ssl: true,
        sasl: { mechanism: 'scram-sha-256', username: 'orders-service', password: 'from-the-file' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['ORDERS_PORT', 'http'],
    ['ORDERS_PORT', '70000'],
    ['ORDERS_CLOCK_TOLERANCE_SECONDS', '-1'],
    ['ORDERS_REVOCATION_FAILURE_POLICY', 'maybe'],
    ['ORDERS_MAX_STALENESS_SECONDS', '30s'],
    ['ORDERS_ALLOW_INSECURE_HTTP', 'yes'],
    ['ORDERS_TOKEN_CACHE_MAX_ENTRIES', 'lots'],
    ['ORDERS_TOKEN_CACHE_MAX_BYTES', '16MiB'],
    ['KAFKA_BROKERS', 'kafka'],
    ['KAFKA_SSL', 'on'],
    ['NODE_ENV', 'staging'],
  ])('names %s when its value %j does not parse', (name, value) => {
    expect(() => resourceServerConfigFromEnv({ NODE_ENV: 'test', [name]: value }, 'ORDERS', defaults)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(name) }),
    );
  });

  it.each([
    [{ ORDERS_TOKEN_CACHE_MAX_ENTRIES: '0' }, false],
    [{ ORDERS_TOKEN_CACHE_MAX_ENTRIES: '0', ORDERS_TOKEN_CACHE_MAX_BYTES: '1048576' }, false],
    [{ ORDERS_TOKEN_CACHE_MAX_BYTES: '1048576' }, { maxEntries: undefined, maxBytes: 1_048_576 }],
  ])('reads the token cache variables %j as %j (0 entries: no cache)', (env, tokenCache) => {
    expect(resourceServerConfigFromEnv({ NODE_ENV: 'test', ...env }, 'ORDERS', defaults).auth.tokenCache).toEqual(
      tokenCache,
    );
  });

  it('behaves as production when NODE_ENV is unset: JSON logs, no local defaults', () => {
    expect(resourceServerConfigFromEnv(production, 'ORDERS', defaults)).toMatchObject({ jsonLogs: true });
    expect(() => resourceServerConfigFromEnv({}, 'ORDERS', defaults)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('ORDERS_TRUST_PROXY') }),
    );
    expect(() => resourceServerConfigFromEnv({ ORDERS_TRUST_PROXY: 'loopback' }, 'ORDERS', defaults)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('ORDERS_ISSUER') }),
    );
  });

  it.each([
    ['ORDERS_ISSUER', { ORDERS_ISSUER: undefined }],
    ['KAFKA_BROKERS', { KAFKA_BROKERS: undefined }],
    ['ORDERS_ISSUER', { ORDERS_ISSUER: 'http://auth.example.com' }],
    ['ORDERS_ISSUER', { ORDERS_ISSUER: 'http://127.0.0.1:3000' }],
    ['ORDERS_ISSUER', { ORDERS_ISSUER: 'auth.example.com' }],
    ['ORDERS_JWKS_URI', { ORDERS_JWKS_URI: 'http://localhost:3000/.well-known/jwks.json' }],
    ['ORDERS_ALLOW_INSECURE_HTTP', { ORDERS_ALLOW_INSECURE_HTTP: 'true' }],
  ])('refuses in production, and with NODE_ENV unset, what names %s: %j', (name, change) => {
    for (const mode of ['production', undefined]) {
      expect(() =>
        resourceServerConfigFromEnv({ ...production, NODE_ENV: mode, ...change }, 'ORDERS', defaults),
      ).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(name) }));
    }
  });

  it('takes <PREFIX>_LOG_LEVEL', () => {
    const env = { NODE_ENV: 'development', ORDERS_LOG_LEVEL: 'debug' };
    expect(resourceServerConfigFromEnv(env, 'ORDERS', defaults).logLevel).toBe('debug');
    expect(() => resourceServerConfigFromEnv({ ...env, ORDERS_LOG_LEVEL: 'loud' }, 'ORDERS', defaults)).toThrow(
      /ORDERS_LOG_LEVEL/,
    );
  });

  it.each(['development', 'test'])('keeps http: on loopback and behind ALLOW_INSECURE_HTTP in %s', (mode) => {
    const config = resourceServerConfigFromEnv(
      { NODE_ENV: mode, ORDERS_ISSUER: 'http://auth-service:3000', ORDERS_ALLOW_INSECURE_HTTP: 'true' },
      'ORDERS',
      defaults,
    );
    expect(config).toMatchObject({
      jsonLogs: false,
      logLevel: 'info',
      auth: { issuer: 'http://auth-service:3000', allowInsecureHttp: true },
    });
  });
});
