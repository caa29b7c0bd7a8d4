import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import {
  kafkaSecurityFromEnv,
  logLevelFromEnv,
  transportConfigFromEnv,
  type KafkaSecurity,
  type LogLevelName,
  type TransportConfig,
} from '@app/auth';
import { MAX_HEARTBEAT_INTERVAL_SECONDS, TOPICS } from '@app/events';
import { findRepoPath } from '../common/repo-path.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../keys/signing-key.generator.js';
import { minRevocationRetentionMs } from '../outbox/topic-config.check.js';
import { parseDevSeed, type DevSeed } from './dev-seed.js';
import { isKnownDevKey } from './known-dev-keys.js';

/**
 * Runtime modes. `production` (also when NODE_ENV is unset: safe by default) never loads the dev seed, requires real
 * secrets and an `https:` issuer; `development` and `test` (set by `npm start` and `npm test`) load the dev seed.
 */
const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/**
 * Validated configuration of the auth service. Built once at boot by {@link loadAuthServiceConfig}.
 *
 * @example
 * constructor(@Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig) {}
 */
export interface AuthServiceConfig {
  /** NODE_ENV, default `production`. */
  nodeEnv: NodeEnv;
  /** AUTH_LOG_LEVEL (`fatal`…`trace`), default `info`. */
  logLevel: LogLevelName;
  /** AUTH_HOST, default `127.0.0.1`. */
  host: string;
  /** AUTH_PORT, default `3000`. */
  port: number;
  /**
   * AUTH_ISSUER, default `http://<host>:<port>`, `https://…` with TLS (no trailing slash); must be `https:` in
   * production.
   */
  issuer: string;
  /** AUTH_TLS_CERT_FILE + AUTH_TLS_KEY_FILE, AUTH_HTTP_REDIRECT_PORT, AUTH_TRUST_PROXY (see `transportConfigFromEnv`). */
  transport: TransportConfig;
  /** AUTH_ACCESS_TOKEN_TTL_SECONDS, default `300`. */
  accessTokenTtlSeconds: number;
  /**
   * AUTH_KEY_ENCRYPTION_KEY (base64, 32 bytes) or AUTH_KEY_ENCRYPTION_KEY_FILE; dev seed value outside production.
   * Required in production, where the dev seed's published value is refused.
   */
  keyEncryptionKey: Buffer;
  /**
   * AUTH_KEY_ENCRYPTION_KEY_PREVIOUS (or ..._FILE): during a key-encryption-key rotation, the old KEK. Private keys it
   * wraps are re-wrapped under the current one at start; unset once every instance runs with the new KEK. The dev
   * seed's KEK is accepted here, in production too: re-wrapping away from it is how a deployment gets rid of it.
   */
  keyEncryptionKeyPrevious?: Buffer;
  retention: {
    /** AUTH_RETENTION_INTERVAL_SECONDS, default 600: how often expired rows are deleted. */
    intervalSeconds: number;
    /** AUTH_OUTBOX_SENT_RETENTION_SECONDS, default 1 day: how long published outbox rows are kept (for inquiry). */
    outboxSentSeconds: number;
    /** AUTH_AUDIT_RETENTION_DAYS, default 365: how long audit entries are kept. */
    auditDays: number;
  };
  /** User sessions (opened by the password grant) and their refresh tokens. */
  sessions: {
    /**
     * AUTH_SESSION_MAX_LIFETIME_SECONDS, default 12 h (at least 60): absolute lifetime from the login; refreshing never
     * extends it, and no refresh token outlives it.
     */
    maxLifetimeSeconds: number;
    /** AUTH_SESSION_IDLE_TIMEOUT_SECONDS, default 30 min (at least 60): a session not refreshed for this long ends. */
    idleTimeoutSeconds: number;
    /**
     * AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS, default 0 (0..60): for this long after a rotation the immediately
     * previous refresh token is accepted once more (two concurrent refreshes of one client), answered with an access
     * token only. 0: any second use of a refresh token is taken for theft and ends the session.
     */
    refreshTokenReuseGraceSeconds: number;
  };
  keys: {
    /** AUTH_KEY_ROTATION_INTERVAL_SECONDS, default 7 days: how long a key is current before the scheduler rotates. */
    rotationIntervalSeconds: number;
    /**
     * AUTH_KEY_PUBLISH_AHEAD_SECONDS, default 1 h: a next key is in the JWKS at least this long before it may sign
     * (at least a resource server's key-set refresh period, 10 min by default, so even one that missed the key event
     * knows it). Must be shorter than the rotation interval.
     */
    publishAheadSeconds: number;
    /** AUTH_SIGNING_ALGORITHM, default `ES256`: algorithm of keys the scheduler creates (`ES256`, `EdDSA`, `RS256`). */
    signingAlgorithm: SigningAlgorithm;
    /** AUTH_KEY_CHECK_INTERVAL_SECONDS, default 30: tick of the rotation scheduler and of the key reload fallback. */
    checkIntervalSeconds: number;
  };
  /** AUTH_CLIENT_SECRET_HASH_KEY (base64, >= 32 bytes) or ..._FILE; as {@link keyEncryptionKey}. */
  clientSecretHashKey: Buffer;
  /** Parsed AUTH_SEED_FILE (default `config/dev-seed.json`); always `null` in production. */
  devSeed: DevSeed | null;
  database: {
    /** DATABASE_URL; unset = embedded Postgres (PGlite) in memory. */
    url?: string;
    /** AUTH_DATABASE_SCHEMA, default `public`; created if missing. */
    schema: string;
    /** Bounds on every Postgres connection, so a hung query or a stuck lock holder cannot block the service. */
    timeouts: {
      /** AUTH_DATABASE_CONNECT_TIMEOUT_MS, default `5000`: waiting for a pooled connection or opening one. */
      connectMs: number;
      /** AUTH_DATABASE_STATEMENT_TIMEOUT_MS, default `10000`: one statement (Postgres `statement_timeout`). */
      statementMs: number;
      /**
       * AUTH_DATABASE_LOCK_TIMEOUT_MS, default `5000`: waiting for a lock (`lock_timeout`), e.g. the outbox writer
       * lock, held for milliseconds, or the signing-keys lock, held while a key is generated (RSA: up to a second or
       * two on a busy machine). Below the statement timeout so a lock wait is reported as such.
       */
      lockMs: number;
      /**
       * AUTH_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, default `10000`: an open transaction waiting on the service
       * (`idle_in_transaction_session_timeout`); Postgres ends that session and releases its locks.
       */
      idleInTransactionMs: number;
    };
  };
  /** Also `ssl` and `sasl` from KAFKA_SSL, KAFKA_SSL_CA_FILE and KAFKA_SASL_* (see `kafkaSecurityFromEnv`). */
  kafka: KafkaSecurity & {
    /** KAFKA_BROKERS, comma list, default `127.0.0.1:19092`. */
    brokers: string[];
    /** AUTH_KAFKA_CLIENT_ID, default `auth-service`. */
    clientId: string;
    /** AUTH_REVOCATIONS_TOPIC, default `auth.revocations.v1`. */
    revocationsTopic: string;
    /** AUTH_KEYS_TOPIC, default `auth.keys.v1`. */
    keysTopic: string;
    /** AUTH_REVOCATION_SNAPSHOTS_TOPIC, default `auth.revocation-snapshots.v1`: signed snapshots of live revocations. */
    revocationSnapshotsTopic: string;
    /**
     * AUTH_REVOCATION_RETENTION_MS, default 7 days: `retention.ms` of the revocations topic; at least the access
     * token lifetime plus the largest clock tolerance (300 s).
     */
    revocationRetentionMs: number;
  };
  outbox: {
    /** AUTH_OUTBOX_RELAY_ENABLED, default `true`; `false` leaves rows in the outbox (specs without Kafka). */
    relayEnabled: boolean;
    /** AUTH_OUTBOX_POLL_INTERVAL_MS, default `1000`: fallback poll when no in-process wake-up arrives. */
    pollIntervalMs: number;
    /** AUTH_OUTBOX_BATCH_SIZE, default `100`. */
    batchSize: number;
    /**
     * AUTH_OUTBOX_STARTUP_WAIT_MS, default `15000`: how long start-up waits for the topics to exist and the producer
     * to connect (so consumers started next find the topics). Past it the service starts anyway and the relay retries.
     */
    startupWaitMs: number;
    /** First retry delay after a Kafka failure, default `100`; doubles up to {@link maxBackoffMs}. */
    minBackoffMs: number;
    /**
     * Retry delay cap, default `1000`: while Kafka is away the relay tries again at least once a second, so the
     * revocations made meanwhile are published within about a second of it being back.
     */
    maxBackoffMs: number;
    /** AUTH_HEARTBEAT_INTERVAL_SECONDS, default `5` (1..3600): signed heartbeats on the revocations topic. */
    heartbeatIntervalSeconds: number;
    /**
     * AUTH_REVOCATION_ACK_WAIT_MS, default `1000` (0..30000): how long `POST /oauth/revoke` and `POST /admin/revocations`
     * wait, after committing, for the broker to acknowledge the event, so that their answer means every service
     * refuses it within milliseconds. Past it they answer all the same (the event is safe in the outbox); 0: no wait.
     */
    revocationAckWaitMs: number;
    /**
     * AUTH_REVOCATION_SNAPSHOT_INTERVAL_SECONDS, default `3600` (0 = never, else 10..86400): how often the relay
     * publishes a signed snapshot of every live revocation, so a starting resource server verifies one signature
     * per chunk instead of one per event and reads the revocations topic only from where the snapshot ends.
     */
    revocationSnapshotIntervalSeconds: number;
  };
  /**
   * Rate limits of the OAuth endpoints, per authenticated client (requests whose client fails to authenticate count
   * per source address), in a sliding window; in memory, so per instance. Past a limit: 429 with `Retry-After`.
   */
  rateLimits: {
    /** AUTH_RATE_LIMIT_WINDOW_SECONDS, default 60: the sliding window of the three limits below. */
    windowSeconds: number;
    /**
     * AUTH_RATE_LIMIT_TOKEN_REQUESTS, default 60 per window at POST /oauth/token: a client reusing its 5-minute tokens
     * needs a few per window; the password grant of a busy app one per user login.
     */
    token: number;
    /** AUTH_RATE_LIMIT_REVOKE_REQUESTS, default 120 per window at POST /oauth/revoke (a logout revokes two tokens). */
    revoke: number;
    /** AUTH_RATE_LIMIT_INTROSPECT_REQUESTS, default 300 per window at POST /oauth/introspect (once per API call). */
    introspect: number;
    /** Backoff of the password grant per (client, username), shared by every instance (in Postgres). */
    login: {
      /** AUTH_RATE_LIMIT_LOGIN_FAILURES, default 5: consecutive failures before the first lock. */
      failures: number;
      /** AUTH_RATE_LIMIT_LOGIN_WINDOW_SECONDS, default 900: a quiet period this long (after any lock) forgets them. */
      windowSeconds: number;
      /** AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS, default 1: the first lock; each further failure doubles it. */
      backoffSeconds: number;
      /** AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS, default 900: the longest lock. */
      maxBackoffSeconds: number;
    };
  };
}

/** Documented defaults (see {@link AuthServiceConfig}). */
export const AUTH_SERVICE_DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  accessTokenTtlSeconds: 300,
  databaseSchema: 'public',
  databaseConnectTimeoutMs: 5000,
  databaseStatementTimeoutMs: 10_000,
  databaseLockTimeoutMs: 5000,
  databaseIdleInTransactionTimeoutMs: 10_000,
  kafkaBrokers: '127.0.0.1:19092',
  kafkaClientId: 'auth-service',
  revocationsTopic: TOPICS.revocations,
  keysTopic: TOPICS.keys,
  revocationSnapshotsTopic: TOPICS.revocationSnapshots,
  revocationSnapshotIntervalSeconds: 3600,
  revocationRetentionMs: 7 * 24 * 60 * 60 * 1000,
  seedFile: 'config/dev-seed.json',
  outboxPollIntervalMs: 1000,
  outboxBatchSize: 100,
  outboxStartupWaitMs: 15_000,
  outboxMinBackoffMs: 100,
  outboxMaxBackoffMs: 1000,
  keyRotationIntervalSeconds: 7 * 24 * 60 * 60,
  keyPublishAheadSeconds: 60 * 60,
  signingAlgorithm: 'ES256',
  keyCheckIntervalSeconds: 30,
  retentionIntervalSeconds: 600,
  outboxSentRetentionSeconds: 24 * 60 * 60,
  revocationAckWaitMs: 1000,
  sessionMaxLifetimeSeconds: 12 * 60 * 60,
  sessionIdleTimeoutSeconds: 30 * 60,
  refreshTokenReuseGraceSeconds: 0,
  auditRetentionDays: 365,
  rateLimitWindowSeconds: 60,
  rateLimitTokenRequests: 60,
  rateLimitRevokeRequests: 120,
  rateLimitIntrospectRequests: 300,
  loginFailures: 5,
  loginWindowSeconds: 15 * 60,
  loginBackoffSeconds: 1,
  loginMaxBackoffSeconds: 15 * 60,
  heartbeatIntervalSeconds: 5,
} as const;

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new TypeError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new TypeError(`${name} must be between ${min} and ${max}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new TypeError(`${name} must be "true" or "false"`);
}

function nodeEnv(env: Env): NodeEnv {
  const raw = read(env, 'NODE_ENV') ?? 'production';
  if (!(NODE_ENVS as readonly string[]).includes(raw))
    throw new TypeError(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}`);
  return raw as NodeEnv;
}

function decodeBase64Key(raw: string, name: string, minBytes: number, exactBytes?: number): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) throw new TypeError(`${name} must be base64`);
  const bytes = Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
  if (exactBytes !== undefined && bytes.length !== exactBytes)
    throw new TypeError(`${name} must decode to ${exactBytes} bytes`);
  if (bytes.length < minBytes) throw new TypeError(`${name} must decode to at least ${minBytes} bytes`);
  return bytes;
}

function secretKey(
  env: Env,
  mode: NodeEnv,
  name: string,
  devValue: string | undefined,
  minBytes: number,
  exactBytes?: number,
): Buffer {
  const configured = optionalSecretKey(env, name, minBytes, exactBytes);
  if (configured !== undefined) {
    if (mode === 'production' && isKnownDevKey(configured)) {
      const source = read(env, name) !== undefined ? name : `${name}_FILE`;
      throw new TypeError(`${source} is a key published in the dev seed; production needs a secret of its own`);
    }
    return configured;
  }
  if (devValue === undefined) throw new TypeError(`${name} (or ${name}_FILE) is required when NODE_ENV=production`);
  return decodeBase64Key(devValue, `${name} (dev seed)`, minBytes, exactBytes);
}

function optionalSecretKey(env: Env, name: string, minBytes: number, exactBytes?: number): Buffer | undefined {
  const direct = read(env, name);
  const file = read(env, `${name}_FILE`);
  if (direct !== undefined && file !== undefined)
    throw new TypeError(`${name} and ${name}_FILE are mutually exclusive`);
  if (direct !== undefined) return decodeBase64Key(direct, name, minBytes, exactBytes);
  if (file === undefined) return undefined;
  const content = readFileSync(resolve(file), 'utf8').trim();
  return decodeBase64Key(content, `${name}_FILE`, minBytes, exactBytes);
}

function signingAlgorithm(env: Env): SigningAlgorithm {
  const value = read(env, 'AUTH_SIGNING_ALGORITHM') ?? AUTH_SERVICE_DEFAULTS.signingAlgorithm;
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(value)) {
    throw new TypeError(`AUTH_SIGNING_ALGORITHM must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  return value as SigningAlgorithm;
}

function keyTimeline(env: Env): Omit<AuthServiceConfig['keys'], 'signingAlgorithm'> {
  const rotationIntervalSeconds = integer(
    env,
    'AUTH_KEY_ROTATION_INTERVAL_SECONDS',
    AUTH_SERVICE_DEFAULTS.keyRotationIntervalSeconds,
    60,
  );
  const publishAheadSeconds = integer(
    env,
    'AUTH_KEY_PUBLISH_AHEAD_SECONDS',
    AUTH_SERVICE_DEFAULTS.keyPublishAheadSeconds,
    0,
  );
  if (publishAheadSeconds >= rotationIntervalSeconds) {
    throw new TypeError('AUTH_KEY_PUBLISH_AHEAD_SECONDS must be shorter than AUTH_KEY_ROTATION_INTERVAL_SECONDS');
  }
  const checkIntervalSeconds = integer(
    env,
    'AUTH_KEY_CHECK_INTERVAL_SECONDS',
    AUTH_SERVICE_DEFAULTS.keyCheckIntervalSeconds,
    1,
    3600,
  );
  return { rotationIntervalSeconds, publishAheadSeconds, checkIntervalSeconds };
}

function loadSeed(env: Env): DevSeed {
  const configured = read(env, 'AUTH_SEED_FILE');
  const file = configured !== undefined ? resolve(configured) : findRepoPath(AUTH_SERVICE_DEFAULTS.seedFile);
  if (file === undefined) throw new TypeError(`AUTH_SEED_FILE: ${AUTH_SERVICE_DEFAULTS.seedFile} not found`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TypeError(`AUTH_SEED_FILE: cannot read ${file}`, { cause: error });
  }
  return parseDevSeed(parsed, `AUTH_SEED_FILE ${file}`);
}

function rateLimits(env: Env): AuthServiceConfig['rateLimits'] {
  const d = AUTH_SERVICE_DEFAULTS;
  const backoffSeconds = integer(env, 'AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS', d.loginBackoffSeconds, 1, 86_400);
  const maxBackoffSeconds = integer(
    env,
    'AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS',
    d.loginMaxBackoffSeconds,
    1,
    86_400,
  );
  if (maxBackoffSeconds < backoffSeconds) {
    throw new TypeError(
      'AUTH_RATE_LIMIT_LOGIN_MAX_BACKOFF_SECONDS must be at least AUTH_RATE_LIMIT_LOGIN_BACKOFF_SECONDS',
    );
  }
  return {
    windowSeconds: integer(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', d.rateLimitWindowSeconds, 1, 86_400),
    token: integer(env, 'AUTH_RATE_LIMIT_TOKEN_REQUESTS', d.rateLimitTokenRequests, 1),
    revoke: integer(env, 'AUTH_RATE_LIMIT_REVOKE_REQUESTS', d.rateLimitRevokeRequests, 1),
    introspect: integer(env, 'AUTH_RATE_LIMIT_INTROSPECT_REQUESTS', d.rateLimitIntrospectRequests, 1),
    login: {
      failures: integer(env, 'AUTH_RATE_LIMIT_LOGIN_FAILURES', d.loginFailures, 1, 1000),
      windowSeconds: integer(env, 'AUTH_RATE_LIMIT_LOGIN_WINDOW_SECONDS', d.loginWindowSeconds, 1, 86_400),
      backoffSeconds,
      maxBackoffSeconds,
    },
  };
}

/** The longest grace: a concurrent refresh arrives within moments; a longer window only helps a thief. */
export const MAX_REFRESH_TOKEN_REUSE_GRACE_SECONDS = 60;

function sessions(env: Env): AuthServiceConfig['sessions'] {
  const d = AUTH_SERVICE_DEFAULTS;
  return {
    maxLifetimeSeconds: integer(env, 'AUTH_SESSION_MAX_LIFETIME_SECONDS', d.sessionMaxLifetimeSeconds, 60),
    idleTimeoutSeconds: integer(env, 'AUTH_SESSION_IDLE_TIMEOUT_SECONDS', d.sessionIdleTimeoutSeconds, 60),
    refreshTokenReuseGraceSeconds: integer(
      env,
      'AUTH_REFRESH_TOKEN_REUSE_GRACE_SECONDS',
      d.refreshTokenReuseGraceSeconds,
      0,
      MAX_REFRESH_TOKEN_REUSE_GRACE_SECONDS,
    ),
  };
}

function topicName(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value)) throw new TypeError(`${name} must be a valid Kafka topic name`);
  return value;
}

/**
 * Builds and validates the configuration from an environment map. Throws a `TypeError` naming the variable.
 * Only in `development` and `test` is the dev seed loaded and do missing secrets default to its clearly-marked values;
 * production (NODE_ENV unset included) refuses those values, an `http:` issuer, and every missing secret.
 *
 * @example
 * const config = loadAuthServiceConfig({ NODE_ENV: 'test', AUTH_OUTBOX_RELAY_ENABLED: 'false' });
 */
export function loadAuthServiceConfig(env: Env): AuthServiceConfig {
  const mode = nodeEnv(env);
  const devSeed = mode === 'production' ? null : loadSeed(env);
  const host = read(env, 'AUTH_HOST') ?? AUTH_SERVICE_DEFAULTS.host;
  const port = integer(env, 'AUTH_PORT', AUTH_SERVICE_DEFAULTS.port, 0, 65535);
  const transport = transportConfigFromEnv(env, 'AUTH', { production: mode === 'production' });
  const scheme = transport.tls === undefined ? 'http' : 'https';
  const issuer = (read(env, 'AUTH_ISSUER') ?? `${scheme}://${host}:${port}`).replace(/\/+$/, '');
  if (!URL.canParse(issuer)) throw new TypeError('AUTH_ISSUER must be an absolute URL');
  // Loopback included: a production issuer is what every resource server trusts and fetches keys from (DESIGN
  // "Transport security"); http there is the dev default left in place, never a deployment choice.
  if (mode === 'production' && new URL(issuer).protocol !== 'https:') {
    throw new TypeError('AUTH_ISSUER must be an https: URL when NODE_ENV=production');
  }
  const schema = read(env, 'AUTH_DATABASE_SCHEMA') ?? AUTH_SERVICE_DEFAULTS.databaseSchema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError('AUTH_DATABASE_SCHEMA must match ^[a-z_][a-z0-9_]{0,62}$');
  }
  const brokers = (read(env, 'KAFKA_BROKERS') ?? AUTH_SERVICE_DEFAULTS.kafkaBrokers)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0 || brokers.some((b) => !/^[^\s:]+:\d+$/.test(b))) {
    throw new TypeError('KAFKA_BROKERS must be a comma list of host:port');
  }
  const accessTokenTtlSeconds = integer(
    env,
    'AUTH_ACCESS_TOKEN_TTL_SECONDS',
    AUTH_SERVICE_DEFAULTS.accessTokenTtlSeconds,
    1,
    86400,
  );
  const revocationRetentionMs = integer(
    env,
    'AUTH_REVOCATION_RETENTION_MS',
    AUTH_SERVICE_DEFAULTS.revocationRetentionMs,
    minRevocationRetentionMs(accessTokenTtlSeconds),
  );
  const minBackoffMs = AUTH_SERVICE_DEFAULTS.outboxMinBackoffMs;
  const maxBackoffMs = AUTH_SERVICE_DEFAULTS.outboxMaxBackoffMs;
  return {
    nodeEnv: mode,
    logLevel: logLevelFromEnv(env, 'AUTH'),
    host,
    port,
    issuer,
    transport,
    accessTokenTtlSeconds,
    keyEncryptionKey: secretKey(env, mode, 'AUTH_KEY_ENCRYPTION_KEY', devSeed?.keyEncryptionKey, 32, 32),
    keyEncryptionKeyPrevious: optionalSecretKey(env, 'AUTH_KEY_ENCRYPTION_KEY_PREVIOUS', 32, 32),
    keys: { ...keyTimeline(env), signingAlgorithm: signingAlgorithm(env) },
    retention: {
      intervalSeconds: integer(
        env,
        'AUTH_RETENTION_INTERVAL_SECONDS',
        AUTH_SERVICE_DEFAULTS.retentionIntervalSeconds,
        1,
        86_400,
      ),
      outboxSentSeconds: integer(
        env,
        'AUTH_OUTBOX_SENT_RETENTION_SECONDS',
        AUTH_SERVICE_DEFAULTS.outboxSentRetentionSeconds,
        0,
      ),
      auditDays: integer(env, 'AUTH_AUDIT_RETENTION_DAYS', AUTH_SERVICE_DEFAULTS.auditRetentionDays, 1),
    },
    sessions: sessions(env),
    clientSecretHashKey: secretKey(env, mode, 'AUTH_CLIENT_SECRET_HASH_KEY', devSeed?.clientSecretHashKey, 32),
    devSeed,
    database: {
      url: read(env, 'DATABASE_URL'),
      schema,
      timeouts: {
        connectMs: integer(
          env,
          'AUTH_DATABASE_CONNECT_TIMEOUT_MS',
          AUTH_SERVICE_DEFAULTS.databaseConnectTimeoutMs,
          1,
          600_000,
        ),
        statementMs: integer(
          env,
          'AUTH_DATABASE_STATEMENT_TIMEOUT_MS',
          AUTH_SERVICE_DEFAULTS.databaseStatementTimeoutMs,
          1,
          600_000,
        ),
        lockMs: integer(env, 'AUTH_DATABASE_LOCK_TIMEOUT_MS', AUTH_SERVICE_DEFAULTS.databaseLockTimeoutMs, 1, 600_000),
        idleInTransactionMs: integer(
          env,
          'AUTH_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
          AUTH_SERVICE_DEFAULTS.databaseIdleInTransactionTimeoutMs,
          1,
          600_000,
        ),
      },
    },
    kafka: {
      brokers,
      clientId: read(env, 'AUTH_KAFKA_CLIENT_ID') ?? AUTH_SERVICE_DEFAULTS.kafkaClientId,
      ...kafkaSecurityFromEnv(env, { production: mode === 'production' }),
      revocationsTopic: topicName(env, 'AUTH_REVOCATIONS_TOPIC', AUTH_SERVICE_DEFAULTS.revocationsTopic),
      keysTopic: topicName(env, 'AUTH_KEYS_TOPIC', AUTH_SERVICE_DEFAULTS.keysTopic),
      revocationSnapshotsTopic: topicName(
        env,
        'AUTH_REVOCATION_SNAPSHOTS_TOPIC',
        AUTH_SERVICE_DEFAULTS.revocationSnapshotsTopic,
      ),
      revocationRetentionMs,
    },
    outbox: {
      relayEnabled: boolean(env, 'AUTH_OUTBOX_RELAY_ENABLED', true),
      pollIntervalMs: integer(
        env,
        'AUTH_OUTBOX_POLL_INTERVAL_MS',
        AUTH_SERVICE_DEFAULTS.outboxPollIntervalMs,
        10,
        60_000,
      ),
      batchSize: integer(env, 'AUTH_OUTBOX_BATCH_SIZE', AUTH_SERVICE_DEFAULTS.outboxBatchSize, 1, 10_000),
      startupWaitMs: integer(env, 'AUTH_OUTBOX_STARTUP_WAIT_MS', AUTH_SERVICE_DEFAULTS.outboxStartupWaitMs, 0, 300_000),
      minBackoffMs,
      maxBackoffMs,
      heartbeatIntervalSeconds: integer(
        env,
        'AUTH_HEARTBEAT_INTERVAL_SECONDS',
        AUTH_SERVICE_DEFAULTS.heartbeatIntervalSeconds,
        1,
        MAX_HEARTBEAT_INTERVAL_SECONDS,
      ),
      revocationAckWaitMs: integer(
        env,
        'AUTH_REVOCATION_ACK_WAIT_MS',
        AUTH_SERVICE_DEFAULTS.revocationAckWaitMs,
        0,
        30_000,
      ),
      revocationSnapshotIntervalSeconds: snapshotInterval(env),
    },
    rateLimits: rateLimits(env),
  };
}

/** AUTH_REVOCATION_SNAPSHOT_INTERVAL_SECONDS: 0 (never) or 10..86400. */
function snapshotInterval(env: Env): number {
  const name = 'AUTH_REVOCATION_SNAPSHOT_INTERVAL_SECONDS';
  const seconds = integer(env, name, AUTH_SERVICE_DEFAULTS.revocationSnapshotIntervalSeconds, 0, 86_400);
  if (seconds !== 0 && seconds < 10) throw new TypeError(`${name} must be 0 (never) or 10..86400`);
  return seconds;
}

/**
 * The auth service configuration namespace; the ONLY reader of `process.env` in this app.
 * Override it in tests with `.overrideProvider(authServiceConfig.KEY).useValue(loadAuthServiceConfig({...}))`.
 *
 * @example
 * providers: [{ provide: authServiceConfig.KEY, useFactory: authServiceConfig }]
 */
export const authServiceConfig = registerAs('authService', (): AuthServiceConfig => loadAuthServiceConfig(process.env));
