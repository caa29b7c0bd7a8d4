import { expect } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import type { EventAppliedEvent, ResourceServer } from '@app/auth/core';
import type {
  AuthServiceEvents,
  OutboxCommittedEvent,
  OutboxPublishedEvent,
} from '../../apps/auth-service/src/observability/auth-service.events.js';
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
  return (await untilRevoked(url, token, since, timeoutMs)).ms;
}

/**
 * As {@link msUntilRevoked}, also telling how many calls it took (1: the first call after `since` was refused).
 *
 * @example
 * const { ms, attempts } = await untilRevoked(`${orders.url}/orders`, token, performance.now());
 */
export async function untilRevoked(
  url: string,
  token: string,
  since: number,
  timeoutMs = 10_000,
): Promise<{ ms: number; attempts: number }> {
  let attempts = 0;
  return waitFor(
    `${url} to refuse the revoked token`,
    async () => {
      attempts += 1;
      const response = await callWithToken(url, token);
      if (response.status === 200) return undefined;
      expect(response).toMatchObject({ status: 401, body: { errorCode: 'ERR_TOKEN_REVOKED' } });
      return { ms: performance.now() - since, attempts };
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

/**
 * Stage timestamps of one revocation (epoch ms, sub-ms precision: `epochNowMs`), by outbox row and record key.
 * `committedAt` is when the committing request resumed after COMMIT: the relay, woken by NOTIFY, may read the row
 * before that.
 */
export interface RevocationStages {
  committedAt?: number;
  readAt?: number;
  ackedAt?: number;
  /** Per resource server: handed to its feed, verified, applied. */
  readonly services: Record<string, { receivedAt: number; verifiedAt: number; appliedAt: number }>;
}

/** The observer hooks a {@link PropagationStageRecorder} listens to (in-process services). */
export interface StageSources {
  readonly auth: AuthServiceEvents;
  readonly resourceServers: Readonly<Record<string, ResourceServer>>;
}

/**
 * Collects the stage timestamps of every revocation from the services' observer hooks (`outbox.committed`,
 * `outbox.published`, `event.applied`), joined by outbox id and Kafka record key, and summarises them per stage.
 *
 * @example
 * const stages = new PropagationStageRecorder({ auth: auth.app.get(AuthServiceEvents), resourceServers });
 * // ... revoke tokens ...
 * console.table(stages.breakdown(keys));
 * stages.stop();
 */
export class PropagationStageRecorder {
  private readonly byKey = new Map<string, RevocationStages>();
  private readonly committedById = new Map<string, number>();
  private readonly idByKey = new Map<string, string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(sources: StageSources) {
    const onCommitted = ({ ids, committedAt }: OutboxCommittedEvent): void => {
      for (const id of ids) this.committedById.set(id, committedAt);
    };
    const onPublished = ({ records, stages }: OutboxPublishedEvent): void => {
      for (const { id, key } of records) {
        const entry = this.entry(key);
        this.idByKey.set(key, id);
        entry.readAt = stages.readAt;
        entry.ackedAt = stages.ackedAt;
      }
    };
    sources.auth.on('outbox.committed', onCommitted);
    sources.auth.on('outbox.published', onPublished);
    this.unsubscribe.push(() => sources.auth.off('outbox.committed', onCommitted));
    this.unsubscribe.push(() => sources.auth.off('outbox.published', onPublished));
    for (const [name, server] of Object.entries(sources.resourceServers)) {
      const onApplied = ({ key, stages }: EventAppliedEvent): void => {
        if (key !== null) this.entry(key).services[name] = { ...stages };
      };
      server.events.on('event.applied', onApplied);
      this.unsubscribe.push(() => server.events.off('event.applied', onApplied));
    }
  }

  /** What was recorded for the revocation with Kafka record key `key` (e.g. `jti:<id>`). */
  stagesOf(key: string): RevocationStages | undefined {
    const stages = this.byKey.get(key);
    const id = this.idByKey.get(key);
    // The relay may publish a row before the committing request gets to say so (NOTIFY, a busy event loop).
    if (stages !== undefined && id !== undefined) stages.committedAt ??= this.committedById.get(id);
    return stages;
  }

  /**
   * Per stage, over the revocations `keys` (each recorded completely): `commit→read` (relay woken, outbox read),
   * `read→acked` (produce, acks=-1), `acked→received <service>` (broker to the feed), `received→verified`,
   * `verified→applied`, and `commit→applied <service>`.
   */
  breakdown(keys: readonly string[]): Record<string, StageSummary> {
    const series: Record<string, number[]> = {};
    const add = (stage: string, ms: number): void => void (series[stage] ??= []).push(ms);
    for (const key of keys) {
      const stages = this.stagesOf(key);
      if (stages?.committedAt === undefined || stages.readAt === undefined || stages.ackedAt === undefined) {
        throw new Error(`no complete auth-service stages for ${key}`);
      }
      add('commit→read', stages.readAt - stages.committedAt);
      add('read→acked', stages.ackedAt - stages.readAt);
      for (const [name, at] of Object.entries(stages.services)) {
        add(`acked→received ${name}`, at.receivedAt - stages.ackedAt);
        add(`received→verified ${name}`, at.verifiedAt - at.receivedAt);
        add(`verified→applied ${name}`, at.appliedAt - at.verifiedAt);
        add(`commit→applied ${name}`, at.appliedAt - stages.committedAt);
      }
    }
    return Object.fromEntries(Object.entries(series).map(([stage, values]) => [stage, summarizeStage(values)]));
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private entry(key: string): RevocationStages {
    let entry = this.byKey.get(key);
    if (entry === undefined) {
      entry = { services: {} };
      this.byKey.set(key, entry);
    }
    return entry;
  }
}

/** `n`, p50, p95, p99 and max of one stage (ms, two decimals). */
export interface StageSummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentiles of a series (ms).
 *
 * @example
 * summarizeStage([1, 2, 3]); // { n: 3, p50: 2, p95: 3, p99: 3, max: 3 }
 */
export function summarizeStage(values: readonly number[]): StageSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number =>
    +sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2);
  return { n: sorted.length, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: +sorted.at(-1)!.toFixed(2) };
}

/**
 * One line per stage: `stage  n  p50  p95  p99  max`, aligned, for the printed figures.
 *
 * @example
 * console.log(formatStageTable(stages.breakdown(keys)));
 */
export function formatStageTable(breakdown: Record<string, StageSummary>): string {
  const width = Math.max(...Object.keys(breakdown).map((stage) => stage.length));
  const header = `${'stage'.padEnd(width)}  ${['n', 'p50', 'p95', 'p99', 'max'].map((h) => h.padStart(7)).join('')}`;
  const rows = Object.entries(breakdown).map(
    ([stage, { n, p50, p95, p99, max }]) =>
      `${stage.padEnd(width)}  ${[n, p50, p95, p99, max].map((v) => String(v).padStart(7)).join('')}`,
  );
  return [header, ...rows].join('\n');
}
