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

describe('resourceServerConfigFromEnv', () => {
  it('applies the defaults', () => {
    expect(resourceServerConfigFromEnv({}, 'ORDERS', defaults)).toEqual({
      host: '127.0.0.1',
      port: 3001,
      jsonLogs: false,
      transport: { requireHttps: false },
      auth: {
        issuer: 'http://127.0.0.1:3000',
        audience: 'orders-service',
        jwksUri: undefined,
        algorithms: undefined,
        clockToleranceSeconds: undefined,
        revocationFailurePolicy: 'open',
        allowInsecureHttp: undefined,
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
        ORDERS_REVOCATION_FAILURE_POLICY: 'closed',
        ORDERS_ALLOW_INSECURE_HTTP: 'true',
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
        algorithms: ['ES256', 'EdDSA'],
        clockToleranceSeconds: 10,
        revocationFailurePolicy: 'closed',
        allowInsecureHttp: true,
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
    ['ORDERS_ALLOW_INSECURE_HTTP', 'yes'],
    ['KAFKA_BROKERS', 'kafka'],
    ['KAFKA_SSL', 'on'],
  ])('names %s when its value %j does not parse', (name, value) => {
    expect(() => resourceServerConfigFromEnv({ [name]: value }, 'ORDERS', defaults)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(name) }),
    );
  });

  it.each(['ORDERS_ISSUER', 'KAFKA_BROKERS'])(
    'requires %s in production instead of trusting the local default',
    (name) => {
      const env = {
        NODE_ENV: 'production',
        ORDERS_ISSUER: 'https://auth.example.com',
        KAFKA_BROKERS: 'kafka:9092',
        ORDERS_TRUST_PROXY: 'loopback',
      };
      expect(() => resourceServerConfigFromEnv({ ...env, [name]: undefined }, 'ORDERS', defaults)).toThrow(
        expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(name) }),
      );
    },
  );
});
