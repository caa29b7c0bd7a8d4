import { pino, stdTimeFunctions, type DestinationStream, type Level, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { REDACTED_LOG_PATHS } from './log-redaction.js';
import { currentRequestId } from './request-context.js';

/** How an app logs. */
export interface AppLoggerOptions {
  /** Written on every line as `service`. */
  readonly service: string;
  /** One JSON object per line (production); else one readable line per record (development). */
  readonly json: boolean;
  /** Lowest level written. Default `info`. */
  readonly level?: Level;
  /** Where lines go. Default stdout. */
  readonly destination?: DestinationStream;
}

/**
 * The pino logger of an app: `level` as a name, ISO `time`, `service`, the current request's `reqId`, `msg`, and
 * every credential path of {@link REDACTED_LOG_PATHS} masked. JSON lines when `json`, else pino-pretty's single
 * readable lines (written synchronously, so they interleave in order with anything else on stdout).
 *
 * @example
 * ```ts
 * const logger = createAppLogger({ service: 'orders-service', json: config.jsonLogs });
 * app.useLogger(new PinoNestLogger(logger));
 * ```
 */
export function createAppLogger({ service, json, level = 'info', destination }: AppLoggerOptions): Logger {
  const stream = json
    ? (destination ?? pino.destination(1))
    : PinoPretty({
        destination: destination ?? 1,
        singleLine: true,
        sync: true,
        colorize: destination === undefined && process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service,context',
        messageFormat: '[{service}] {context} {msg}',
        // Only `err` is an Error object here; our `error` fields are text (describeError) and stay on the line.
        errorLikeObjectKeys: ['err'],
      });
  return pino(
    {
      level,
      base: { service },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const reqId = currentRequestId();
        return reqId === undefined ? {} : { reqId };
      },
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[REDACTED]' },
    },
    stream,
  );
}
