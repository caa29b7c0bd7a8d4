import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, so a spec can prove no secret, password or token was logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...args: unknown[]): void => this.capture(args);
  error = (...args: unknown[]): void => this.capture(args);
  warn = (...args: unknown[]): void => this.capture(args);
  debug = (...args: unknown[]): void => this.capture(args);
  verbose = (...args: unknown[]): void => this.capture(args);

  private capture(args: unknown[]): void {
    this.lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  }
}
