import type { AuthModuleOptions, RevocationFailurePolicy } from '../auth-options.js';

/** Per-service defaults for {@link authOptionsFromEnv}. */
export interface ResourceServerEnvDefaults {
  readonly audience: string;
  readonly clientId: string;
  readonly revocationFailurePolicy: RevocationFailurePolicy;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds {@link AuthModuleOptions} from environment variables named `<PREFIX>_…`, for a service's
 * config file (the only place that reads `process.env`; this function only reads the record it is
 * given). Variables: `<PREFIX>_ISSUER` (default `http://127.0.0.1:3000`), `<PREFIX>_AUDIENCE`,
 * `<PREFIX>_JWKS_URI`, `<PREFIX>_ALGORITHMS` (comma list), `<PREFIX>_CLOCK_TOLERANCE_SECONDS`,
 * `<PREFIX>_REVOCATIONS_TOPIC`, `<PREFIX>_REVOCATION_FAILURE_POLICY` (`open`|`closed`),
 * `<PREFIX>_ALLOW_INSECURE_HTTP` (`true`|`false`), and the shared `KAFKA_BROKERS` (comma list,
 * default `127.0.0.1:19092`). Throws a `TypeError` naming the variable when a value does not parse.
 *
 * @example
 * ```ts
 * export const ordersConfig = registerAs('orders', () => ({
 *   auth: authOptionsFromEnv(process.env, 'ORDERS', { audience: 'orders-service', clientId: 'orders-service', revocationFailurePolicy: 'open' }),
 * }));
 * ```
 */
export function authOptionsFromEnv(env: Env, prefix: string, defaults: ResourceServerEnvDefaults): AuthModuleOptions {
  const read = (name: string): string | undefined => {
    const value = env[`${prefix}_${name}`]?.trim();
    return value === '' ? undefined : value;
  };
  return {
    issuer: read('ISSUER') ?? 'http://127.0.0.1:3000',
    audience: read('AUDIENCE') ?? defaults.audience,
    jwksUri: read('JWKS_URI'),
    algorithms: parseList(read('ALGORITHMS')),
    clockToleranceSeconds: parseInteger(`${prefix}_CLOCK_TOLERANCE_SECONDS`, read('CLOCK_TOLERANCE_SECONDS')),
    revocationFailurePolicy: parsePolicy(`${prefix}_REVOCATION_FAILURE_POLICY`, read('REVOCATION_FAILURE_POLICY')) ??
      defaults.revocationFailurePolicy,
    allowInsecureHttp: parseBoolean(`${prefix}_ALLOW_INSECURE_HTTP`, read('ALLOW_INSECURE_HTTP')),
    kafka: {
      brokers: parseList(env.KAFKA_BROKERS) ?? ['127.0.0.1:19092'],
      clientId: defaults.clientId,
      revocationsTopic: read('REVOCATIONS_TOPIC'),
    },
  };
}

function parseList(value: string | undefined): string[] | undefined {
  const items = value?.split(',').map((item) => item.trim()).filter(Boolean);
  return items === undefined || items.length === 0 ? undefined : items;
}

function parseInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new TypeError(`${name} must be a whole number`);
  return Number(value);
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
