import { performance } from 'node:perf_hooks';

/**
 * Epoch milliseconds with sub-millisecond precision (`performance.timeOrigin + performance.now()`): monotonic within a
 * process and comparable between processes of one machine, for stage timestamps of one event (committed, relayed,
 * acknowledged, received, verified, applied). Cheap enough for every event.
 *
 * @example
 * ```ts
 * const receivedAt = epochNowMs();
 * ```
 */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}
