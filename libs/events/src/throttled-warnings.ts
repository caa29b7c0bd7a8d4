import type { EventLogger } from './event-logger.js';

/**
 * Options of {@link ThrottledWarnings}.
 *
 * @example
 * ```ts
 * const options: ThrottledWarningsOptions = { intervalMs: 60_000 };
 * ```
 */
export interface ThrottledWarningsOptions {
  /** At most one warning (or error) per this interval; the others go to debug. Default 60000 (one a minute). */
  intervalMs?: number;
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
}

/** One warning a minute per component, unless told otherwise. */
export const DEFAULT_WARNING_INTERVAL_MS = 60_000;

/**
 * Keeps a component that fails over and over (a broker outage: every retry fails) from flooding the log: the first
 * warning is logged at `warn` (or `error`), the next ones within `intervalMs` at `debug` (details kept for whoever
 * turns debug on), and the first one after the interval says how many were held back (`suppressedWarnings`).
 * One instance per component: its warnings and errors share the interval.
 *
 * @example
 * ```ts
 * const warnings = new ThrottledWarnings(logger);
 * warnings.warn('outbox relay step failed; rows kept, retrying', { error: describeError(error) });
 * ```
 */
export class ThrottledWarnings {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastWarnedAt: number | undefined;
  private suppressed = 0;

  constructor(
    private readonly logger: EventLogger,
    { intervalMs = DEFAULT_WARNING_INTERVAL_MS, now = Date.now }: ThrottledWarningsOptions = {},
  ) {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 0) {
      throw new TypeError('ThrottledWarnings: "intervalMs" must be a non-negative integer');
    }
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /**
   * Logs `msg` at `warn`, or at `debug` when a warning went out less than `intervalMs` ago.
   *
   * @example
   * ```ts
   * warnings.warn('topic reader cannot start yet, retrying', { topic });
   * ```
   */
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.report('warn', msg, fields);
  }

  /**
   * Logs `msg` at `error`, or at `debug` when a warning or error went out less than `intervalMs` ago.
   *
   * @example
   * ```ts
   * warnings.error('Kafka topics would lose events; nothing is published until they are fixed', { mismatches });
   * ```
   */
  error(msg: string, fields?: Record<string, unknown>): void {
    this.report('error', msg, fields);
  }

  private report(level: 'warn' | 'error', msg: string, fields: Record<string, unknown> | undefined): void {
    const now = this.now();
    if (this.lastWarnedAt !== undefined && now - this.lastWarnedAt < this.intervalMs) {
      this.suppressed += 1;
      this.logger.debug(msg, fields);
      return;
    }
    const suppressed = this.suppressed;
    this.lastWarnedAt = now;
    this.suppressed = 0;
    this.logger[level](msg, suppressed === 0 ? fields : { ...fields, suppressedWarnings: suppressed });
  }
}
