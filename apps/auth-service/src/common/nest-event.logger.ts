import { Logger } from '@nestjs/common';
import type { EventLogger } from '@app/events';

/**
 * Adapts a Nest {@link Logger} to the `EventLogger` of `@app/events` (structured: message + fields).
 *
 * @example
 * new KafkaConnection({ brokers, clientId }, nestEventLogger(new Logger('Kafka')));
 */
export function nestEventLogger(logger: Logger): EventLogger {
  return {
    debug: (msg, fields) => logger.debug({ msg, ...fields }),
    info: (msg, fields) => logger.log({ msg, ...fields }),
    warn: (msg, fields) => logger.warn({ msg, ...fields }),
    error: (msg, fields) => logger.error({ msg, ...fields }),
  };
}

/**
 * A short, secret-free description of an error for logs (name, code, message; never request data).
 *
 * @example
 * logger.warn({ msg: 'publish failed', error: describeError(error) });
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && error.code !== undefined ? ` ${String(error.code)}` : '';
    return `${error.name}${code}: ${error.message}`;
  }
  return String(error);
}
