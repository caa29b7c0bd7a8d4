import type { LoggerService, LogLevel } from '@nestjs/common';
import type { Level, Logger } from 'pino';

const PINO_LEVELS = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const satisfies Record<LogLevel, Level>;

/**
 * Nest's logger on pino: `app.useLogger(new PinoNestLogger(logger))` sends every Nest `Logger` call to one pino
 * record, the Nest context as `context`. A structured message (`logger.log({ msg, ...fields })`, the shape our code
 * logs) becomes `msg` plus its fields, not a dump of the object; an `Error` becomes `err`; the stack Nest passes
 * to `error()` becomes `stack`.
 *
 * @example
 * ```ts
 * app.useLogger(new PinoNestLogger(createAppLogger({ service: 'billing-service', json: true })));
 * new Logger('Invoices').log({ msg: 'invoice sent', invoiceId }); // {"level":"info",…,"context":"Invoices","invoiceId":…,"msg":"invoice sent"}
 * ```
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: LogLevel, message: unknown, params: unknown[]): void {
    const level = PINO_LEVELS[nestLevel];
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest's Logger appends its context as the last argument; error() passes a stack before it.
    const rest = [...params];
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const stack = nestLevel === 'error' && typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
    const fields: Record<string, unknown> = { context, stack };
    if (rest.length > 0) fields.params = rest;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const { msg, ...structured } = message as Record<string, unknown>;
      this.logger[level]({ ...fields, ...structured }, typeof msg === 'string' ? msg : '');
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
