import { inspect } from 'node:util';
import type { LoggerService } from '@nestjs/common';

/**
 * A Nest logger that keeps every line, and every logged value as plain data, so a spec can prove no secret,
 * password, token or key was logged. Errors keep their name, message, stack, cause and own fields (plain
 * `JSON.stringify` would turn them into `{}` and hide what they carry).
 *
 * @example
 * const logger = new CapturingLogger();
 * const app = moduleRef.createNestApplication({ logger });
 * expect(logger.lines.join('\n')).not.toContain(secret);
 */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  /** The arguments of each call, as plain JSON data. */
  readonly entries: unknown[][] = [];
  /** The level of each call (`log`, `error`, `warn`, `debug`, `verbose`), in step with {@link entries}. */
  readonly levels: string[] = [];
  log = (...args: unknown[]): void => this.capture('log', args);
  error = (...args: unknown[]): void => this.capture('error', args);
  warn = (...args: unknown[]): void => this.capture('warn', args);
  debug = (...args: unknown[]): void => this.capture('debug', args);
  verbose = (...args: unknown[]): void => this.capture('verbose', args);

  private capture(level: string, args: unknown[]): void {
    const entry = args.map(toPlainData);
    this.levels.push(level);
    this.entries.push(entry);
    this.lines.push(entry.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  }
}

function toPlainData(value: unknown): unknown {
  if (value === undefined || typeof value === 'string') return value;
  try {
    return JSON.parse(JSON.stringify(value, withErrorsAndBigInts)) as unknown;
  } catch {
    // A circular structure is not JSON: keep its inspected text, so what it carries can still be searched.
    return inspect(value, { depth: 8, breakLength: Infinity });
  }
}

function withErrorsAndBigInts(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  }
  return value;
}
