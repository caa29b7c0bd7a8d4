/**
 * Time source (DI token) so tests inject a fixed clock instead of mocking global time.
 *
 * @example
 * providers: [{ provide: Clock, useValue: { now: () => 1_700_000_000_000 } }]
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

/**
 * The wall clock.
 *
 * @example
 * providers: [{ provide: Clock, useClass: SystemClock }]
 */
export class SystemClock extends Clock {
  override now(): number {
    return Date.now();
  }
}

/**
 * Milliseconds → NumericDate (whole seconds, RFC 7519).
 *
 * @example
 * toNumericDate(1_700_000_000_999); // 1700000000
 */
export function toNumericDate(ms: number): number {
  return Math.floor(ms / 1000);
}
