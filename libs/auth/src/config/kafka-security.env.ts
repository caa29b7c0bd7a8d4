import type { KafkaConnectionOptions } from '@app/events/kafka';
import { readConfigFile } from './config-file.reader.js';

/** The TLS and SASL part of a Kafka connection, as {@link kafkaSecurityFromEnv} builds it. */
export type KafkaSecurity = Pick<KafkaConnectionOptions, 'ssl' | 'sasl'>;

type Env = Readonly<Record<string, string | undefined>>;

const MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
type Mechanism = (typeof MECHANISMS)[number];

/**
 * Parses the Kafka TLS and SASL variables every app shares, from the record the app's config file passes in:
 * - `KAFKA_SSL` `true`|`false`: TLS to the brokers. Default `true` in production, `false` otherwise.
 * - `KAFKA_SSL_CA_FILE`: PEM CA certificates to trust instead of the system ones (needs TLS).
 * - `KAFKA_SASL_MECHANISM` `scram-sha-256`|`scram-sha-512`|`plain`, `KAFKA_SASL_USERNAME`, and
 *   `KAFKA_SASL_PASSWORD` or `KAFKA_SASL_PASSWORD_FILE` (one of the two; the file's surrounding whitespace is
 *   dropped). `plain` sends the password as it is, so it needs TLS.
 *
 * The files are read now, so a bad path fails at boot. Throws a `TypeError` naming the variable; never one
 * holding the password or a file's content.
 *
 * @example
 * ```ts
 * const security = kafkaSecurityFromEnv(environment, { production: environment.NODE_ENV === 'production' });
 * new KafkaConnection({ brokers, clientId: 'orders-service', ...security });
 * ```
 */
export function kafkaSecurityFromEnv(env: Env, mode: { production: boolean }): KafkaSecurity {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const readFile = (name: string, path: string): string => readConfigFile(name, path).toString('utf8');

  const ssl = parseBoolean('KAFKA_SSL', read('KAFKA_SSL')) ?? mode.production;
  const caFile = read('KAFKA_SSL_CA_FILE');
  if (caFile !== undefined && !ssl) throw new TypeError('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  const security: KafkaSecurity = {};
  if (ssl) security.ssl = caFile === undefined ? true : { ca: [certificates(readFile('KAFKA_SSL_CA_FILE', caFile))] };

  const mechanism = parseMechanism(read('KAFKA_SASL_MECHANISM'));
  const username = read('KAFKA_SASL_USERNAME');
  const password = read('KAFKA_SASL_PASSWORD');
  const passwordFile = read('KAFKA_SASL_PASSWORD_FILE');
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined || passwordFile !== undefined) {
      throw new TypeError('KAFKA_SASL_MECHANISM is required with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    }
    return security;
  }
  if (mechanism === 'plain' && !ssl) {
    throw new TypeError('KAFKA_SASL_MECHANISM=plain sends the password in clear: it needs KAFKA_SSL=true');
  }
  if (username === undefined) throw new TypeError(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM`);
  if (password !== undefined && passwordFile !== undefined) {
    throw new TypeError('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are mutually exclusive');
  }
  const secret =
    password ?? (passwordFile === undefined ? undefined : readFile('KAFKA_SASL_PASSWORD_FILE', passwordFile).trim());
  if (secret === undefined || secret === '') {
    throw new TypeError(
      'KAFKA_SASL_PASSWORD (or a non-empty KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SASL_MECHANISM',
    );
  }
  security.sasl = { mechanism, username, password: secret };
  return security;
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new TypeError(`${name} must be true or false`);
  return value === 'true';
}

function parseMechanism(value: string | undefined): Mechanism | undefined {
  if (value === undefined) return undefined;
  const mechanism = value.toLowerCase();
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new TypeError(`KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`);
  }
  return mechanism as Mechanism;
}

function certificates(pem: string): string {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TypeError('KAFKA_SSL_CA_FILE must hold PEM certificates (-----BEGIN CERTIFICATE-----)');
  }
  return pem;
}
