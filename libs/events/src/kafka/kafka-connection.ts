import net from 'node:net';
import tls from 'node:tls';
import { Kafka, logLevel as kafkaLogLevel, type ISocketFactory, type KafkaConfig, type LogEntry } from 'kafkajs';
import { silentEventLogger, type EventLogger } from '../event-logger.js';
import { ThrottledWarnings } from '../throttled-warnings.js';
import { isExpectedClientChatter } from './expected-client-chatter.js';

/**
 * Log levels of the Kafka client that are routed to the {@link EventLogger}.
 *
 * @example
 * ```ts
 * new KafkaConnection({ brokers, clientId: 'orders-service', logLevel: 'info' }, logger);
 * ```
 */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/**
 * How to reach the Kafka cluster.
 *
 * @example
 * ```ts
 * const options: KafkaConnectionOptions = { brokers: ['127.0.0.1:19092'], clientId: 'orders-service' };
 * ```
 */
export interface KafkaConnectionOptions {
  /** `host:port` bootstrap brokers. */
  brokers: string[];
  clientId: string;
  /** `true` for TLS with the system CAs, or node:tls options (ca, cert, key, servername, …). */
  ssl?: boolean | tls.ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** TCP/TLS connect timeout. Default 3000. */
  connectionTimeoutMs?: number;
  /** Per-request timeout. Default 30000. */
  requestTimeoutMs?: number;
  /** Client log level routed to the logger. Default `'warn'` when a logger is given, `'nothing'` otherwise. */
  logLevel?: KafkaLogLevel;
}

const clients = new WeakMap<KafkaConnection, Kafka>();

/**
 * One configured Kafka client shared by producers, readers and {@link ensureTopics}. Holds no socket itself:
 * each producer/reader connects on its own. Sockets are opened with `TCP_NODELAY` (no ~40 ms delayed-ACK stalls
 * on small event writes); client logs go to the given {@link EventLogger} (silent without one).
 *
 * @example
 * ```ts
 * const connection = new KafkaConnection({ brokers: ['127.0.0.1:19092'], clientId: 'auth-service' }, logger);
 * const producer = new EventProducer(connection);
 * ```
 */
export class KafkaConnection {
  readonly clientId: string;
  readonly logger: EventLogger;

  constructor(options: KafkaConnectionOptions, logger?: EventLogger) {
    assertOptions(options);
    this.clientId = options.clientId;
    this.logger = logger ?? silentEventLogger;
    const level = options.logLevel ?? (logger ? 'warn' : 'nothing');
    clients.set(this, new Kafka(toKafkaConfig(options, this.logger, level)));
  }
}

/**
 * The kafkajs client behind a connection. Internal to libs/events (not exported from its index): nothing outside
 * this library sees a kafkajs type.
 *
 * @example
 * ```ts
 * const admin = kafkaClientOf(connection).admin();
 * ```
 */
export function kafkaClientOf(connection: KafkaConnection): Kafka {
  const client = clients.get(connection);
  if (!client) throw new TypeError('"connection" must be a KafkaConnection');
  return client;
}

function assertOptions(options: KafkaConnectionOptions): void {
  const { brokers, clientId, connectionTimeoutMs, requestTimeoutMs } = options ?? {};
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === 'string' && b !== '')) {
    throw new TypeError('KafkaConnection: "brokers" must be a non-empty array of host:port strings');
  }
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('KafkaConnection: "clientId" is required');
  for (const [name, value] of Object.entries({ connectionTimeoutMs, requestTimeoutMs })) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new TypeError(`KafkaConnection: "${name}" must be a positive integer`);
    }
  }
}

const levels = {
  nothing: kafkaLogLevel.NOTHING,
  error: kafkaLogLevel.ERROR,
  warn: kafkaLogLevel.WARN,
  info: kafkaLogLevel.INFO,
  debug: kafkaLogLevel.DEBUG,
} as const;

/**
 * Retries of the client's own requests (admin, metadata, connecting): 100 ms doubling to at most 1 s between
 * attempts, so a broker that is back is found within about a second. Producers and readers set their own.
 */
const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 5 } as const;

function toKafkaConfig(options: KafkaConnectionOptions, logger: EventLogger, level: KafkaLogLevel): KafkaConfig {
  const { sasl } = options;
  const warnings = new ThrottledWarnings(logger);
  return {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl:
      sasl && ({ mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as KafkaConfig['sasl']),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    socketFactory: noDelaySocketFactory,
    logLevel: levels[level],
    logCreator: () => (entry) => routeLog(logger, warnings, options.clientId, entry),
    retry: CLIENT_RETRY,
  };
}

/** kafkajs's default socket factory plus `setNoDelay(true)`. */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

// The client's ERROR entries are connection and retry reports it recovers from itself; what cannot be
// recovered surfaces through our own errors (EventPublishError, a crashed reader), so they log as warnings. While
// the broker is away every retry of every consumer reports: one warning a minute per connection, the rest at debug.
// What it says at every start (isExpectedClientChatter) is debug.
function routeLog(
  logger: EventLogger,
  warnings: ThrottledWarnings,
  clientId: string,
  { namespace, level, log }: LogEntry,
): void {
  const { message, timestamp: _timestamp, logger: _source, stack: _stack, ...rest } = log;
  const fields = { component: 'kafka', clientId, namespace, ...rest };
  if (isExpectedClientChatter({ log })) logger.debug(message, fields);
  else if (level === kafkaLogLevel.ERROR || level === kafkaLogLevel.WARN) warnings.warn(message, fields);
  else if (level === kafkaLogLevel.INFO) logger.info(message, fields);
  else logger.debug(message, fields);
}
