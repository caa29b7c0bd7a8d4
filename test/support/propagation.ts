import { expect } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { callWithToken } from './oauth-client.js';
import { waitFor } from './wait-for.js';

/**
 * Milliseconds from `since` (a `performance.now()` reading) until `url` first answers 401 `ERR_TOKEN_REVOKED` to
 * `token`: polled every millisecond, bounded by `timeoutMs`; any other refusal fails the test.
 *
 * @example
 * expect(await revokeToken(auth.url, CLIENTS.demo, token)).toBe(200);
 * const ms = await msUntilRevoked(`${orders.url}/orders`, token, performance.now());
 */
export async function msUntilRevoked(url: string, token: string, since: number, timeoutMs = 10_000): Promise<number> {
  return waitFor(
    `${url} to refuse the revoked token`,
    async () => {
      const response = await callWithToken(url, token);
      if (response.status === 200) return undefined;
      expect(response).toMatchObject({ status: 401, body: { errorCode: 'ERR_TOKEN_REVOKED' } });
      return performance.now() - since;
    },
    { timeoutMs, intervalMs: 1 },
  );
}

/** `n`, p50 and max (ms, one decimal) of a series of latencies. */
export interface LatencySummary {
  n: number;
  p50Ms: number;
  maxMs: number;
}

/**
 * Summarises latencies per service for the test's printed figure.
 *
 * @example
 * console.log(`revoke → first 401: ${JSON.stringify(summarizeLatencies({ orders: [3.1, 4.2], billing: [2.9, 5.0] }))}`);
 */
export function summarizeLatencies(series: Record<string, number[]>): Record<string, LatencySummary> {
  return Object.fromEntries(
    Object.entries(series).map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const p50 = sorted[Math.min(sorted.length - 1, Math.ceil(0.5 * sorted.length) - 1)]!;
      return [name, { n: values.length, p50Ms: +p50.toFixed(1), maxMs: +Math.max(...values).toFixed(1) }];
    }),
  );
}
