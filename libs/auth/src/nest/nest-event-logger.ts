import type { LoggerService } from '@nestjs/common';
import type { EventLogger } from '@app/events';

/**
 * Adapts a Nest logger to the structured {@link EventLogger} the plain-TypeScript cores write to.
 *
 * @example
 * ```ts
 * const logger = toEventLogger(new Logger('Auth'));
 * ```
 */
export function toEventLogger(logger: LoggerService): EventLogger {
  return {
    debug: (msg, fields) => void logger.debug?.({ msg, ...fields }),
    info: (msg, fields) => void logger.log({ msg, ...fields }),
    warn: (msg, fields) => void logger.warn({ msg, ...fields }),
    error: (msg, fields) => void logger.error({ msg, ...fields }),
  };
}
