/**
 * The structured logger the events library writes to. Apps adapt pino or Nest's logger to it.
 * Fields never carry a token or a secret.
 *
 * @example
 * ```ts
 * const logger: EventLogger = {
 *   debug: (msg, fields) => pinoLogger.debug(fields ?? {}, msg),
 *   info: (msg, fields) => pinoLogger.info(fields ?? {}, msg),
 *   warn: (msg, fields) => pinoLogger.warn(fields ?? {}, msg),
 *   error: (msg, fields) => pinoLogger.error(fields ?? {}, msg),
 * };
 * ```
 */
export interface EventLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => undefined;

/**
 * An {@link EventLogger} that drops everything: the default when none is given.
 *
 * @example
 * ```ts
 * new KafkaConnection({ brokers, clientId }, silentEventLogger);
 * ```
 */
export const silentEventLogger: EventLogger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
});
