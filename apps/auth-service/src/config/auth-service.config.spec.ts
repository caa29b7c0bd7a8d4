import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCertificates, type CertificatePaths } from '../../../../tools/tls/certificates.mjs';
import { findRepoPath } from '../common/repo-path.js';
import { AUTH_SERVICE_DEFAULTS, loadAuthServiceConfig } from './auth-service.config.js';

const kek = randomBytes(32).toString('base64');
const hashKey = randomBytes(32).toString('base64');
const devSeed = JSON.parse(readFileSync(findRepoPath('config/dev-seed.json')!, 'utf8')) as Record<string, string>;
/** The least a production start needs. */
const production = {
  AUTH_ISSUER: 'https://auth.example.com',
  AUTH_TRUST_PROXY: 'loopback',
  AUTH_KEY_ENCRYPTION_KEY: kek,
  AUTH_CLIENT_SECRET_HASH_KEY: hashKey,
};

describe('loadAuthServiceConfig', () => {
  it('behaves as production when NODE_ENV is unset: no dev seed, no dev secrets', () => {
    expect(loadAuthServiceConfig(production)).toMatchObject({ nodeEnv: 'production', devSeed: null });
    expect(() => loadAuthServiceConfig({ ...production, AUTH_KEY_ENCRYPTION_KEY: undefined })).toThrow(
      'AUTH_KEY_ENCRYPTION_KEY',
    );
    expect(() => loadAuthServiceConfig({})).toThrow(TypeError);
  });

  it('has documented defaults and the dev seed in development', () => {
    const config = loadAuthServiceConfig({ NODE_ENV: 'development' });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      issuer: 'http://127.0.0.1:3000',
      accessTokenTtlSeconds: 300,
      database: {
        url: undefined,
        schema: 'public',
        timeouts: { connectMs: 5000, statementMs: 10_000, lockMs: 5000, idleInTransactionMs: 10_000 },
      },
      kafka: {
        brokers: ['127.0.0.1:19092'],
        clientId: 'auth-service',
        revocationsTopic: 'auth.revocations.v1',
        keysTopic: 'auth.keys.v1',
        revocationRetentionMs: AUTH_SERVICE_DEFAULTS.revocationRetentionMs,
      },
      outbox: {
        relayEnabled: true,
        pollIntervalMs: 1000,
        minBackoffMs: 100,
        maxBackoffMs: 1000,
        heartbeatIntervalSeconds: 5,
      },
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
      AUTH_HEARTBEAT_INTERVAL_SECONDS: '2',
      AUTH_KEY_ENCRYPTION_KEY: kek,
      AUTH_DATABASE_CONNECT_TIMEOUT_MS: '1000',
      AUTH_DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      AUTH_DATABASE_LOCK_TIMEOUT_MS: '300',
      AUTH_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000',
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      host: '0.0.0.0',
      port: 4000,
      issuer: 'https://auth.example.com',
      accessTokenTtlSeconds: 60,
      database: {
        url: 'postgres://postgres@127.0.0.1:5432/test',
        schema: 'auth_run_1',
        timeouts: { connectMs: 1000, statementMs: 2000, lockMs: 300, idleInTransactionMs: 4000 },
      },
      kafka: { brokers: ['a:1', 'b:2'], revocationsTopic: 'r.v1', keysTopic: 'k.v1', revocationRetentionMs: 3600000 },
      outbox: { relayEnabled: false, heartbeatIntervalSeconds: 2 },
    });
    expect(config.keyEncryptionKey.toString('base64')).toBe(kek);
  });

  it('has a documented key timeline and reads its variables, and the previous key-encryption key', () => {
    expect(loadAuthServiceConfig({ NODE_ENV: 'development' }).keys).toEqual({
      rotationIntervalSeconds: 7 * 24 * 3600,
      publishAheadSeconds: 3600,
      signingAlgorithm: 'ES256',
      checkIntervalSeconds: 30,
    });
    const previous = randomBytes(32).toString('base64');
    const config = loadAuthServiceConfig({
      NODE_ENV: 'development',
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
    expect(loadAuthServiceConfig({ NODE_ENV: 'development' }).keyEncryptionKeyPrevious).toBeUndefined();
  });

  it('connects to Kafka over TLS with SCRAM, reading the CA and password files it is pointed at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-kafka-'));
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'ca.pem'), caPem);
    writeFileSync(join(dir, 'kafka-password'), 'scram-secret\n');
    try {
      const config = loadAuthServiceConfig({
        NODE_ENV: 'development',
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
      AUTH_ISSUER: 'https://auth.example.com',
      AUTH_TRUST_PROXY: 'loopback',
      AUTH_KEY_ENCRYPTION_KEY: kek,
      AUTH_CLIENT_SECRET_HASH_KEY: hashKey,
    };
    expect(loadAuthServiceConfig(production).kafka.ssl).toBe(true);
    expect(loadAuthServiceConfig({ ...production, KAFKA_SSL: 'false' }).kafka.ssl).toBeUndefined();
    expect(loadAuthServiceConfig({ NODE_ENV: 'development' }).kafka.ssl).toBeUndefined();
  });

  it('never loads the dev seed in production and takes the secrets from the environment', () => {
    const config = loadAuthServiceConfig({ NODE_ENV: 'production', ...production });
    expect(config.devSeed).toBeNull();
    expect(config.clientSecretHashKey.toString('base64')).toBe(hashKey);
  });

  it('loads the dev seed in test and development only', () => {
    for (const mode of ['test', 'development']) {
      expect(loadAuthServiceConfig({ NODE_ENV: mode }).devSeed?.clients.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['the dev seed KEK', { AUTH_KEY_ENCRYPTION_KEY: devSeed['keyEncryptionKey'] }, 'AUTH_KEY_ENCRYPTION_KEY'],
    [
      'the dev seed hash key',
      { AUTH_CLIENT_SECRET_HASH_KEY: devSeed['clientSecretHashKey'] },
      'AUTH_CLIENT_SECRET_HASH_KEY',
    ],
    [
      'the dev seed KEK in a file',
      { AUTH_KEY_ENCRYPTION_KEY: undefined, AUTH_KEY_ENCRYPTION_KEY_FILE: keyFile(devSeed['keyEncryptionKey']!) },
      'AUTH_KEY_ENCRYPTION_KEY_FILE',
    ],
    ['an http: issuer', { AUTH_ISSUER: 'http://auth.example.com' }, 'AUTH_ISSUER'],
    ['an http: loopback issuer', { AUTH_ISSUER: 'http://127.0.0.1:3000' }, 'AUTH_ISSUER'],
    ['the default (http:) issuer', { AUTH_ISSUER: undefined }, 'AUTH_ISSUER'],
  ])('refuses at boot, in production and with NODE_ENV unset, %s', (_name, change, variable) => {
    for (const mode of ['production', undefined]) {
      const env = { ...production, NODE_ENV: mode, ...change };
      expect(() => loadAuthServiceConfig(env)).toThrow(TypeError);
      expect(() => loadAuthServiceConfig(env)).toThrow(variable);
    }
  });

  it('accepts the dev seed KEK as the previous KEK in production: re-wrapping away from it is the way out', () => {
    const config = loadAuthServiceConfig({
      ...production,
      AUTH_KEY_ENCRYPTION_KEY_PREVIOUS: devSeed['keyEncryptionKey'],
    });
    expect(config.keyEncryptionKeyPrevious?.toString('base64')).toBe(devSeed['keyEncryptionKey']);
  });

  it('accepts the same keys and an http: issuer outside production', () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'development',
      AUTH_KEY_ENCRYPTION_KEY: devSeed['keyEncryptionKey'],
      AUTH_ISSUER: 'http://127.0.0.1:3000',
    });
    expect(config.keyEncryptionKey.toString('base64')).toBe(devSeed['keyEncryptionKey']);
  });

  it.each([
    [
      'missing KEK in production',
      { ...production, NODE_ENV: 'production', AUTH_KEY_ENCRYPTION_KEY: undefined },
      'AUTH_KEY_ENCRYPTION_KEY',
    ],
    [
      'missing hash key in production',
      { ...production, NODE_ENV: 'production', AUTH_CLIENT_SECRET_HASH_KEY: undefined },
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
    ['zero statement timeout', { AUTH_DATABASE_STATEMENT_TIMEOUT_MS: '0' }, 'AUTH_DATABASE_STATEMENT_TIMEOUT_MS'],
    ['bad lock timeout', { AUTH_DATABASE_LOCK_TIMEOUT_MS: '2s' }, 'AUTH_DATABASE_LOCK_TIMEOUT_MS'],
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
    ['zero heartbeat interval', { AUTH_HEARTBEAT_INTERVAL_SECONDS: '0' }, 'AUTH_HEARTBEAT_INTERVAL_SECONDS'],
    ['heartbeat interval over an hour', { AUTH_HEARTBEAT_INTERVAL_SECONDS: '3601' }, 'AUTH_HEARTBEAT_INTERVAL_SECONDS'],
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
  ])('throws a TypeError naming the variable for %s', (_name, change, variable) => {
    const env = { NODE_ENV: 'development', ...change };
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
    expect(loadAuthServiceConfig({ NODE_ENV: 'development' }).transport).toEqual({ requireHttps: false });
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
    const config = loadAuthServiceConfig({
      ...secrets,
      NODE_ENV: 'production',
      AUTH_ISSUER: 'https://auth.example.com',
      AUTH_TRUST_PROXY: '10.0.0.0/8',
    });
    expect(config.transport).toEqual({ trustProxy: ['10.0.0.0/8'], requireHttps: true });
  });

  it('refuses to start in production on plain HTTP without trusted proxies, naming the variables', () => {
    expect(() =>
      loadAuthServiceConfig({ ...secrets, NODE_ENV: 'production', AUTH_ISSUER: 'https://auth.example.com' }),
    ).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringMatching(/AUTH_TLS_CERT_FILE.*AUTH_TLS_KEY_FILE.*AUTH_TRUST_PROXY/),
      }),
    );
  });
});

function keyFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'auth-config-spec-')), 'key');
  writeFileSync(file, `${content}\n`);
  return file;
}

describe('loadAuthServiceConfig sessions (AUTH_SESSION_*, AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS)', () => {
  it('has documented defaults: 12 h lifetime, 30 min idle timeout, no reuse grace', () => {
    expect(loadAuthServiceConfig({ NODE_ENV: 'test' }).sessions).toEqual({
      maxLifetimeSeconds: 43_200,
      idleTimeoutSeconds: 1800,
      refreshTokenReuseGraceSeconds: 0,
    });
  });

  it('reads every variable, a grace of up to 60 s', () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_SESSION_MAX_LIFETIME_SECONDS: '3600',
      AUTH_SESSION_IDLE_TIMEOUT_SECONDS: '600',
      AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS: '60',
    });
    expect(config.sessions).toEqual({
      maxLifetimeSeconds: 3600,
      idleTimeoutSeconds: 600,
      refreshTokenReuseGraceSeconds: 60,
    });
  });

  it.each([
    [{ AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS: '61' }, 'AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS'],
    [{ AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS: '-1' }, 'AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS'],
    [{ AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS: '2.5' }, 'AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS'],
    [{ AUTH_SESSION_IDLE_TIMEOUT_SECONDS: '59' }, 'AUTH_SESSION_IDLE_TIMEOUT_SECONDS'],
    [{ AUTH_SESSION_MAX_LIFETIME_SECONDS: '12h' }, 'AUTH_SESSION_MAX_LIFETIME_SECONDS'],
  ])('throws a TypeError naming the variable for %o', (env, variable) => {
    expect(() => loadAuthServiceConfig({ NODE_ENV: 'test', ...env })).toThrow(TypeError);
    expect(() => loadAuthServiceConfig({ NODE_ENV: 'test', ...env })).toThrow(variable);
  });
});

describe('loadAuthServiceConfig rate limits (AUTH_RATE_LIMIT_*)', () => {
  it('has documented defaults: 60/120/300 requests per minute, login backoff after 5 failures from 1 s to 15 min', () => {
    expect(loadAuthServiceConfig({ NODE_ENV: 'test' }).rateLimits).toEqual({
      windowSeconds: 60,
      token: 60,
      revoke: 120,
      introspect: 300,
      login: { failures: 5, windowSeconds: 900, backoffSeconds: 1, maxBackoffSeconds: 900 },
    });
    expect(AUTH_SERVICE_DEFAULTS).toMatchObject({ rateLimitTokenRequests: 60, loginFailures: 5 });
  });

  it('reads every variable', () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_RATE_LIMIT_WINDOW_SECONDS: '10',
      AUTH_RATE_LIMIT_TOKEN_REQUESTS: '3',
      AUTH_RATE_LIMIT_REVOKE_REQUESTS: '4',
      AUTH_RATE_LIMIT_INTROSPECT_REQUESTS: '5',
      AUTH_RATE_LIMIT_LOGIN_FAILURES: '2',
      AUTH_RATE_LIMIT_LOGIN_WINDOW_SECONDS: '60',
      AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS: '2',
      AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS: '30',
    });
    expect(config.rateLimits).toEqual({
      windowSeconds: 10,
      token: 3,
      revoke: 4,
      introspect: 5,
      login: { failures: 2, windowSeconds: 60, backoffSeconds: 2, maxBackoffSeconds: 30 },
    });
  });

  it.each([
    [{ AUTH_RATE_LIMIT_TOKEN_REQUESTS: '0' }, 'AUTH_RATE_LIMIT_TOKEN_REQUESTS'],
    [{ AUTH_RATE_LIMIT_REVOKE_REQUESTS: 'many' }, 'AUTH_RATE_LIMIT_REVOKE_REQUESTS'],
    [{ AUTH_RATE_LIMIT_WINDOW_SECONDS: '0' }, 'AUTH_RATE_LIMIT_WINDOW_SECONDS'],
    [{ AUTH_RATE_LIMIT_LOGIN_FAILURES: '0' }, 'AUTH_RATE_LIMIT_LOGIN_FAILURES'],
    [
      { AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS: '60', AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS: '30' },
      'AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS',
    ],
  ])('throws a TypeError naming the variable for %o', (env, variable) => {
    expect(() => loadAuthServiceConfig({ NODE_ENV: 'test', ...env })).toThrow(TypeError);
    expect(() => loadAuthServiceConfig({ NODE_ENV: 'test', ...env })).toThrow(variable);
  });
});
