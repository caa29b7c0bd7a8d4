import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EVENT_TYPES } from '@app/events';
import type { ResourceServer } from '../resource-server.js';

/**
 * Buckets of `auth_event_propagation_seconds`: a few milliseconds (same host) to a minute (a broker outage). The
 * `iat` of an event is whole seconds, so a measure carries up to 1 s of extra age on top of the real delay.
 */
export const PROPAGATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60];

/** Every name this module registers, as DESIGN.md "Operability" lists them. */
export const RESOURCE_SERVER_METRICS = {
  verifications: 'auth_token_verifications_total',
  revocationEntries: 'auth_revocation_entries',
  eventsApplied: 'auth_events_applied_total',
  eventsDropped: 'auth_events_dropped_total',
  propagation: 'auth_event_propagation_seconds',
  staleness: 'auth_stream_staleness_seconds',
  signingKeys: 'auth_signing_keys',
} as const;

/**
 * Registers the resource-server metrics of `server` in `registry`: counters fed by the server's named events
 * (`server.events`), gauges that read its live state when scraped. Call once per server and registry.
 * - `auth_token_verifications_total{result,code}`: `ok`/`OK`, or `rejected` with the answer's `errorCode`;
 * - `auth_revocation_entries{type}`: live entries of the revocation index per target type;
 * - `auth_events_applied_total{topic}`, `auth_events_dropped_total{topic,code}`;
 * - `auth_event_propagation_seconds`: event `iat` → applied here, for revocation and key events published while
 *   the service runs (replays at start and heartbeats are not propagation);
 * - `auth_stream_staleness_seconds`: age of the newest heartbeat applied (`+Inf` before the first one);
 * - `auth_signing_keys{state}`: trusted keys by state, and the kids retired or revoked since start.
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * registerResourceServerMetrics(server, registry);
 * response.type(registry.contentType).send(await registry.metrics());
 * ```
 */
export function registerResourceServerMetrics(server: ResourceServer, registry: Registry): void {
  const registers = [registry];
  const { topics } = server.options;

  const verifications = new Counter({
    name: RESOURCE_SERVER_METRICS.verifications,
    help: 'Bearer tokens checked by this resource server, by outcome and errorCode (OK when accepted)',
    labelNames: ['result', 'code'] as const,
    registers,
  });
  // Bound once: the accepted count goes up on every request, and a labels object is hashed on every `inc` with it.
  const accepted = verifications.labels({ result: 'ok', code: 'OK' });
  accepted.inc(0);
  server.events.on('token.verified', () => accepted.inc());
  server.events.on('token.rejected', ({ code }) => verifications.inc({ result: 'rejected', code }));

  const applied = new Counter({
    name: RESOURCE_SERVER_METRICS.eventsApplied,
    help: 'Security events verified and applied, per topic (heartbeats included)',
    labelNames: ['topic'] as const,
    registers,
  });
  const dropped = new Counter({
    name: RESOURCE_SERVER_METRICS.eventsDropped,
    help: 'Records skipped because they did not verify, per topic and verification error code',
    labelNames: ['topic', 'code'] as const,
    registers,
  });
  const propagation = new Histogram({
    name: RESOURCE_SERVER_METRICS.propagation,
    help: 'Seconds from a revocation or key event iat (whole seconds) to its application here',
    buckets: PROPAGATION_BUCKETS_SECONDS,
    registers,
  });
  for (const topic of [topics.revocations, topics.keys]) applied.inc({ topic }, 0);
  server.events.on('event.applied', ({ topic, type, issuedAt, appliedAt, live }) => {
    applied.inc({ topic });
    if (live && type !== EVENT_TYPES.heartbeat) propagation.observe(Math.max(0, appliedAt / 1000 - issuedAt));
  });
  server.events.on('event.dropped', ({ topic, code }) => dropped.inc({ topic, code }));

  new Gauge({
    name: RESOURCE_SERVER_METRICS.revocationEntries,
    help: 'Live entries of the in-memory revocation index, per target type',
    labelNames: ['type'] as const,
    registers,
    collect() {
      for (const [type, count] of Object.entries(server.status().revocations.entriesByType)) this.set({ type }, count);
    },
  });
  new Gauge({
    name: RESOURCE_SERVER_METRICS.staleness,
    help: 'Seconds since the iat of the newest issuer heartbeat applied (+Inf before the first one)',
    registers,
    collect() {
      this.set(server.status().staleness.ageSeconds ?? Number.POSITIVE_INFINITY);
    },
  });
  new Gauge({
    name: RESOURCE_SERVER_METRICS.signingKeys,
    help: 'Signing keys known to this resource server, by state (published: from the JWKS, no key event yet)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(server.status().keys.states)) this.set({ state }, count);
    },
  });
}
