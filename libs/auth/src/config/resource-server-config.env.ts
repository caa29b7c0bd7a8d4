import type { RevocationFailurePolicy } from '../auth-options.js';
import type { AuthModuleOptions } from '../nest/auth-module.options.js';
import { kafkaSecurityFromEnv } from './kafka-security.env.js';
import { logLevelFromEnv, type LogLevelName } from './log-level.env.js';
import { transportConfigFromEnv, type TransportConfig } from './transport-config.env.js';

/** Per-service defaults for {@link resourceServerConfigFromEnv}. */
export interface ResourceServerEnvDefaults {
  readonly port: number;
  readonly audience: string;
  readonly clientId: string;
  readonly revocationFailurePolicy: RevocationFailurePolicy;
}

/** What a resource server's config file needs: where to listen, how to log, and the auth options. */
export interface ResourceServerConfig {
  readonly host: string;
  readonly port: number;
  /** JSON logs, in production (NODE_ENV unset included). */
  readonly jsonLogs: boolean;
  /** `<PREFIX>_LOG_LEVEL` (see {@link logLevelFromEnv}), default `info`. */
  readonly logLevel: LogLevelName;
  /** HTTPS, redirect port and trusted proxies (see {@link transportConfigFromEnv}). */
  readonly transport: TransportConfig;
  readonly auth: AuthModuleOptions;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds a resource server's configuration from the environment record its config file passes in (the config
 * file is the only reader of the environment; this function parses that record and reads the files it names):
 * `<PREFIX>_HOST` (default `127.0.0.1`), `<PREFIX>_PORT`, `<PREFIX>_LOG_LEVEL`, `NODE_ENV`, the transport variables of
 * {@link transportConfigFromEnv} (which also decide `auth.requireHttps`) and the auth variables of
 * {@link authOptionsFromEnv}. `NODE_ENV` is `development`, `test` or `production`; unset means `production` (JSON
 * logs, no local defaults, `https:` only). Throws a `TypeError` naming a variable that does not parse.
 *
 * @example
 * ```ts
 * export const ordersConfig = registerAs('orders', () =>
 *   resourceServerConfigFromEnv(environment, 'ORDERS', {
 *     port: 3001, audience: 'orders-service', clientId: 'orders-service', revocationFailurePolicy: 'open',
 *   }),
 * );
 * ```
 */
export function resourceServerConfigFromEnv(
  env: Env,
  prefix: string,
  defaults: ResourceServerEnvDefaults,
): ResourceServerConfig {
  const production = isProduction(env);
  const port = parseInteger(`${prefix}_PORT`, readVariable(env, `${prefix}_PORT`)) ?? defaults.port;
  if (port > 65_535) {
    throw new TypeError(`${prefix}_PORT must be a TCP port number`);
  }
  const transport = transportConfigFromEnv(env, prefix, { production });
  return {
    host: readVariable(env, `${prefix}_HOST`) ?? '127.0.0.1',
    port,
    jsonLogs: production,
    logLevel: logLevelFromEnv(env, prefix),
    transport,
    auth: { ...authOptionsFromEnv(env, prefix, defaults, production), requireHttps: transport.requireHttps },
  };
}

/** Safe by default: only an explicit `development` or `test` leaves production behaviour. */
function isProduction(env: Env): boolean {
  const mode = readVariable(env, 'NODE_ENV') ?? 'production';
  if (mode !== 'development' && mode !== 'test' && mode !== 'production') {
    throw new TypeError('NODE_ENV must be one of development, test, production');
  }
  return mode === 'production';
}

/**
 * Builds {@link AuthModuleOptions} from environment variables named `<PREFIX>_…`. Variables: `<PREFIX>_ISSUER` (default `http://127.0.0.1:3000`), `<PREFIX>_AUDIENCE`,
 * `<PREFIX>_JWKS_URI`, `<PREFIX>_ALGORITHMS` (comma list), `<PREFIX>_CLOCK_TOLERANCE_SECONDS`,
 * `<PREFIX>_REVOCATIONS_TOPIC`, `<PREFIX>_KEYS_TOPIC`, `<PREFIX>_REVOCATION_SNAPSHOTS_TOPIC` (default
 * `auth.revocation-snapshots.v1`), `<PREFIX>_REVOCATION_SNAPSHOTS_ENABLED` (`true`|`false`, default `true`: start
 * from the newest signed snapshot), `<PREFIX>_REVOCATION_SNAPSHOTS_WAIT_MS` (default 10000: how long start waits for
 * the snapshots topic before reading the whole revocations topic), `<PREFIX>_REVOCATION_FAILURE_POLICY` (`open`|`closed`),
 * `<PREFIX>_MAX_STALENESS_SECONDS`, `<PREFIX>_ALLOW_INSECURE_HTTP` (`true`|`false`),
 * `<PREFIX>_TOKEN_CACHE_MAX_ENTRIES` and `<PREFIX>_TOKEN_CACHE_MAX_BYTES` (the verified-token cache bounds; `0`
 * entries turns the cache off), the shared `KAFKA_BROKERS` (comma list,
 * default `127.0.0.1:19092`) and the shared Kafka TLS/SASL variables of {@link kafkaSecurityFromEnv}. In production
 * `<PREFIX>_ISSUER` and `KAFKA_BROKERS` are required, Kafka TLS is on by default, the issuer and JWKS URIs must be
 * `https:` and `<PREFIX>_ALLOW_INSECURE_HTTP` is refused.
 */
function authOptionsFromEnv(
  env: Env,
  prefix: string,
  defaults: ResourceServerEnvDefaults,
  production: boolean,
): AuthModuleOptions {
  const read = (name: string): string | undefined => readVariable(env, `${prefix}_${name}`);
  const allowInsecureHttp = parseBoolean(`${prefix}_ALLOW_INSECURE_HTTP`, read('ALLOW_INSECURE_HTTP'));
  if (production && allowInsecureHttp === true) {
    throw new TypeError(`${prefix}_ALLOW_INSECURE_HTTP is refused when NODE_ENV=production`);
  }
  const issuer = read('ISSUER') ?? devDefault(production, `${prefix}_ISSUER`, 'http://127.0.0.1:3000');
  const jwksUri = read('JWKS_URI');
  if (production) {
    requireHttps(`${prefix}_ISSUER`, issuer);
    if (jwksUri !== undefined) requireHttps(`${prefix}_JWKS_URI`, jwksUri);
  }
  return {
    issuer,
    audience: read('AUDIENCE') ?? defaults.audience,
    jwksUri,
    algorithms: parseList(read('ALGORITHMS')),
    clockToleranceSeconds: parseInteger(`${prefix}_CLOCK_TOLERANCE_SECONDS`, read('CLOCK_TOLERANCE_SECONDS')),
    revocationFailurePolicy:
      parsePolicy(`${prefix}_REVOCATION_FAILURE_POLICY`, read('REVOCATION_FAILURE_POLICY')) ??
      defaults.revocationFailurePolicy,
    maxStalenessSeconds: parseInteger(`${prefix}_MAX_STALENESS_SECONDS`, read('MAX_STALENESS_SECONDS')),
    allowInsecureHttp,
    tokenCache: parseTokenCache(prefix, read('TOKEN_CACHE_MAX_ENTRIES'), read('TOKEN_CACHE_MAX_BYTES')),
    topics: {
      revocations: read('REVOCATIONS_TOPIC'),
      keys: read('KEYS_TOPIC'),
      revocationSnapshots:
        parseBoolean(`${prefix}_REVOCATION_SNAPSHOTS_ENABLED`, read('REVOCATION_SNAPSHOTS_ENABLED')) === false
          ? false
          : read('REVOCATION_SNAPSHOTS_TOPIC'),
    },
    revocationSnapshotWaitMs: parseInteger(
      `${prefix}_REVOCATION_SNAPSHOTS_WAIT_MS`,
      read('REVOCATION_SNAPSHOTS_WAIT_MS'),
    ),
    kafka: {
      brokers: parseBrokers(env.KAFKA_BROKERS) ?? [devDefault(production, 'KAFKA_BROKERS', '127.0.0.1:19092')],
      clientId: defaults.clientId,
      ...kafkaSecurityFromEnv(env, { production }),
    },
  };
}

function readVariable(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/**
 * In production every key and every revocation comes from the issuer: tokens are checked against what is fetched
 * there, so it must be authenticated (`https:`), loopback included — an `http:` issuer in production is the local
 * default left in place.
 */
function requireHttps(name: string, value: string): void {
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:') {
    throw new TypeError(`${name} must be an https: URL when NODE_ENV=production`);
  }
}

/** Dev defaults point at the local stack; production must say where its issuer and brokers are. */
function devDefault(production: boolean, name: string, value: string): string {
  if (production) throw new TypeError(`${name} is required when NODE_ENV=production`);
  return value;
}

function parseBrokers(value: string | undefined): string[] | undefined {
  const brokers = parseList(value);
  if (brokers?.some((broker) => !/^[^\s:]+:\d{1,5}$/.test(broker))) {
    throw new TypeError('KAFKA_BROKERS must be a comma list of host:port');
  }
  return brokers;
}

function parseList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items === undefined || items.length === 0 ? undefined : items;
}

function parseInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TypeError(`${name} must be a whole number`);
  return Number(value);
}

/** Unset keeps the library defaults; `0` entries is no cache at all; the library checks the ranges. */
function parseTokenCache(
  prefix: string,
  entries: string | undefined,
  bytes: string | undefined,
): AuthModuleOptions['tokenCache'] {
  const maxEntries = parseInteger(`${prefix}_TOKEN_CACHE_MAX_ENTRIES`, entries);
  const maxBytes = parseInteger(`${prefix}_TOKEN_CACHE_MAX_BYTES`, bytes);
  if (maxEntries === 0) return false;
  if (maxEntries === undefined && maxBytes === undefined) return undefined;
  return { maxEntries, maxBytes };
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new TypeError(`${name} must be true or false`);
  return value === 'true';
}

function parsePolicy(name: string, value: string | undefined): RevocationFailurePolicy | undefined {
  if (value === undefined) return undefined;
  if (value !== 'open' && value !== 'closed') throw new TypeError(`${name} must be open or closed`);
  return value;
}
