import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCertificates, type CertificatePaths } from '../../../../tools/tls/certificates.mjs';
import { AUTH_SERVICE_DEFAULTS, loadAuthServiceConfig } from './auth-service.config.js';

const kek = randomBytes(32).toString('base64');
const hashKey = randomBytes(32).toString('base64');

describe('loadAuthServiceConfig', () => {
  it('has documented defaults and the dev seed outside production', () => {
    const config = loadAuthServiceConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      issuer: 'http://127.0.0.1:3000',
      accessTokenTtlSeconds: 300,
      database: { url: undefined, schema: 'public' },
      kafka: {
        brokers: ['127.0.0.1:19092'],
        clientId: 'auth-service',
        revocationsTopic: 'auth.revocations.v1',
        keysTopic: 'auth.keys.v1',
        revocationRetentionMs: AUTH_SERVICE_DEFAULTS.revocationRetentionMs,
      },
      outbox: { relayEnabled: true, pollIntervalMs: 1000, minBackoffMs: 100, maxBackoffMs: 5000 },
    });
    expect(config.keyEncryptionKey).toHaveLength(32);
    expect(config.devSeed?.clients.map((c) => c.id)).toEqual(['demo-app', 'orders-reader', 'admin-cli']);
  });

  it('reads every variable', () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_HOST: '0.0.0.0',
      AUTH_PORT: '4000',
      AUTH_ISSUER: 'https://auth.example.com/',
      AUTH_ACCESS_TOKEN_TTL_SECONDS: '60',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      AUTH_DATABASE_SCHEMA: 'auth_run_1',
      KAFKA_BROKERS: 'a:1, b:2',
      AUTH_REVOCATIONS_TOPIC: 'r.v1',
      AUTH_KEYS_TOPIC: 'k.v1',
      AUTH_REVOCATION_RETENTION_MS: '3600000',
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
      AUTH_KEY_ENCRYPTION_KEY: kek,
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      host: '0.0.0.0',
      port: 4000,
      issuer: 'https://auth.example.com',
      accessTokenTtlSeconds: 60,
      database: { url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'auth_run_1' },
      kafka: { brokers: ['a:1', 'b:2'], revocationsTopic: 'r.v1', keysTopic: 'k.v1', revocationRetentionMs: 3600000 },
      outbox: { relayEnabled: false },
    });
    expect(config.keyEncryptionKey.toString('base64')).toBe(kek);
  });

  it('has a documented key timeline and reads its variables, and the previous key-encryption key', () => {
    expect(loadAuthServiceConfig({}).keys).toEqual({
      rotationIntervalSeconds: 7 * 24 * 3600,
      publishAheadSeconds: 3600,
      signingAlgorithm: 'ES256',
      checkIntervalSeconds: 30,
    });
    const previous = randomBytes(32).toString('base64');
    const config = loadAuthServiceConfig({
      AUTH_KEY_ROTATION_INTERVAL_SECONDS: '86400',
      AUTH_KEY_PUBLISH_AHEAD_SECONDS: '600',
      AUTH_SIGNING_ALGORITHM: 'EdDSA',
      AUTH_KEY_CHECK_INTERVAL_SECONDS: '5',
      AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: previous,
    });
    expect(config.keys).toEqual({
      rotationIntervalSeconds: 86400,
      publishAheadSeconds: 600,
      signingAlgorithm: 'EdDSA',
      checkIntervalSeconds: 5,
    });
    expect(config.keyEncryptionKeyPrevious?.toString('base64')).toBe(previous);
    expect(loadAuthServiceConfig({}).keyEncryptionKeyPrevious).toBeUndefined();
  });

  it('connects to Kafka over TLS with SCRAM, reading the CA and password files it is pointed at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-kafka-'));
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'ca.pem'), caPem);
    writeFileSync(join(dir, 'kafka-password'), 'scram-secret\n');
    try {
      const config = loadAuthServiceConfig({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'auth-service',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'kafka-password'),
      });
      expect(config.kafka).toMatchObject({
        ssl: { ca: [caPem] },
        sasl: { mechanism: 'scram-sha-256', username: 'auth-service', password: 'scram-secret' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses TLS to Kafka in production unless KAFKA_SSL=false', () => {
    const production = {
      NODE_ENV: 'production',
      AUTH_TRUST_PROXY: 'loopback',
      AUTH_KEY_ENCRYPTION_KEY: kek,
      AUTH_CLIENT_SECRET_HASH_KEY: hashKey,
    };
    expect(loadAuthServiceConfig(production).kafka.ssl).toBe(true);
    expect(loadAuthServiceConfig({ ...production, KAFKA_SSL: 'false' }).kafka.ssl).toBeUndefined();
    expect(loadAuthServiceConfig({}).kafka.ssl).toBeUndefined();
  });

  it('never loads the dev seed in production and takes the secrets from the environment', () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'production',
      AUTH_TRUST_PROXY: 'loopback',
      AUTH_KEY_ENCRYPTION_KEY: kek,
      AUTH_CLIENT_SECRET_HASH_KEY: hashKey,
    });
    expect(config.devSeed).toBeNull();
    expect(config.clientSecretHashKey.toString('base64')).toBe(hashKey);
  });

  it.each([
    [
      'missing KEK in production',
      { NODE_ENV: 'production', AUTH_TRUST_PROXY: 'loopback', AUTH_CLIENT_SECRET_HASH_KEY: hashKey },
      'AUTH_KEY_ENCRYPTION_KEY',
    ],
    [
      'missing hash key in production',
      { NODE_ENV: 'production', AUTH_TRUST_PROXY: 'loopback', AUTH_KEY_ENCRYPTION_KEY: kek },
      'AUTH_CLIENT_SECRET_HASH_KEY',
    ],
    ['short KEK', { AUTH_KEY_ENCRYPTION_KEY: randomBytes(16).toString('base64') }, 'AUTH_KEY_ENCRYPTION_KEY'],
    [
      'short hash key',
      { AUTH_CLIENT_SECRET_HASH_KEY: randomBytes(8).toString('base64') },
      'AUTH_CLIENT_SECRET_HASH_KEY',
    ],
    [
      'KEK and KEK file',
      { AUTH_KEY_ENCRYPTION_KEY: kek, AUTH_KEY_ENCRYPTION_KEY_FILE: '/x' },
      'AUTH_KEY_ENCRYPTION_KEY',
    ],
    ['bad NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['bad port', { AUTH_PORT: '70000' }, 'AUTH_PORT'],
    ['non-numeric TTL', { AUTH_ACCESS_TOKEN_TTL_SECONDS: '5m' }, 'AUTH_ACCESS_TOKEN_TTL_SECONDS'],
    ['zero TTL', { AUTH_ACCESS_TOKEN_TTL_SECONDS: '0' }, 'AUTH_ACCESS_TOKEN_TTL_SECONDS'],
    ['bad schema', { AUTH_DATABASE_SCHEMA: 'a;drop' }, 'AUTH_DATABASE_SCHEMA'],
    ['bad brokers', { KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [
      'SASL without a password',
      { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'a' },
      'KAFKA_SASL_PASSWORD',
    ],
    ['missing Kafka CA file', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, 'KAFKA_SSL_CA_FILE'],
    [
      'a revocation retention shorter than token lifetime + 300 s',
      { AUTH_ACCESS_TOKEN_TTL_SECONDS: '3600', AUTH_REVOCATION_RETENTION_MS: '3600000' },
      'AUTH_REVOCATION_RETENTION_MS',
    ],
    ['bad topic', { AUTH_REVOCATIONS_TOPIC: 'a b' }, 'AUTH_REVOCATIONS_TOPIC'],
    ['bad issuer', { AUTH_ISSUER: 'not a url' }, 'AUTH_ISSUER'],
    ['bad boolean', { AUTH_OUTBOX_RELAY_ENABLED: 'yes' }, 'AUTH_OUTBOX_RELAY_ENABLED'],
    ['missing seed file', { AUTH_SEED_FILE: '/nonexistent/seed.json' }, 'AUTH_SEED_FILE'],
    ['unknown signing algorithm', { AUTH_SIGNING_ALGORITHM: 'HS256' }, 'AUTH_SIGNING_ALGORITHM'],
    [
      'publish-ahead not shorter than the rotation interval',
      { AUTH_KEY_ROTATION_INTERVAL_SECONDS: '3600', AUTH_KEY_PUBLISH_AHEAD_SECONDS: '3600' },
      'AUTH_KEY_PUBLISH_AHEAD_SECONDS',
    ],
    [
      'rotation interval under a minute',
      { AUTH_KEY_ROTATION_INTERVAL_SECONDS: '59' },
      'AUTH_KEY_ROTATION_INTERVAL_SECONDS',
    ],
    [
      'short previous KEK',
      { AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: randomBytes(16).toString('base64') },
      'AUTH_KEY_ENCRYPTION_KEY_PREVIOUS',
    ],
  ])('throws a TypeError naming the variable for %s', (_name, env, variable) => {
    expect(() => loadAuthServiceConfig(env)).toThrow(TypeError);
    expect(() => loadAuthServiceConfig(env)).toThrow(variable);
  });
});

describe('loadAuthServiceConfig transport (AUTH_TLS_*, AUTH_HTTP_REDIRECT_PORT, AUTH_TRUST_PROXY)', () => {
  let dir: string;
  let pem: CertificatePaths;
  const secrets = { AUTH_KEY_ENCRYPTION_KEY: kek, AUTH_CLIENT_SECRET_HASH_KEY: hashKey };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-config-tls-'));
    pem = createCertificates({ dir, days: 1 });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves plain HTTP in development, tokens not bound to HTTPS', () => {
    expect(loadAuthServiceConfig({}).transport).toEqual({ requireHttps: false });
  });

  it('serves HTTPS from the PEM pair, with an https: issuer by default and the redirect port', () => {
    const config = loadAuthServiceConfig({
      ...secrets,
      NODE_ENV: 'production',
      AUTH_PORT: '3443',
      AUTH_TLS_CERT_FILE: pem.certFile,
      AUTH_TLS_KEY_FILE: pem.keyFile,
      AUTH_HTTP_REDIRECT_PORT: '3080',
    });
    expect(config.issuer).toBe('https://127.0.0.1:3443');
    expect(config.transport).toMatchObject({ httpRedirectPort: 3080, requireHttps: true });
    expect(config.transport.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('starts in production behind the proxies named in AUTH_TRUST_PROXY', () => {
    const config = loadAuthServiceConfig({ ...secrets, NODE_ENV: 'production', AUTH_TRUST_PROXY: '10.0.0.0/8' });
    expect(config.transport).toEqual({ trustProxy: ['10.0.0.0/8'], requireHttps: true });
  });

  it('refuses to start in production on plain HTTP without trusted proxies, naming the variables', () => {
    expect(() => loadAuthServiceConfig({ ...secrets, NODE_ENV: 'production' })).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringMatching(/AUTH_TLS_CERT_FILE.*AUTH_TLS_KEY_FILE.*AUTH_TRUST_PROXY/),
      }),
    );
  });
});
