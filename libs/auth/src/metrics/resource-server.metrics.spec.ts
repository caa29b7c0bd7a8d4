import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { encodeKeyEvent, encodeRevocationEvent, TOPICS } from '@app/events';
import { parsePrometheusText } from '../../../../test/support/prometheus-text.js';
import { NOW_S, REVOCATIONS, stackAt, stopStartedServers } from '../../../../test/support/resource-server-stack.js';
import { registerResourceServerMetrics } from './resource-server.metrics.js';

afterEach(stopStartedServers);

/** A started resource server over recorded topics with its metrics in a registry of their own. */
async function measured(clock: { now: number }) {
  const stack = await stackAt(clock, { policy: 'open' });
  const registry = new Registry();
  registerResourceServerMetrics(stack.server, registry);
  const samples = async () => parsePrometheusText(await registry.metrics()).samples;
  return { ...stack, registry, samples };
}

describe('registerResourceServerMetrics', () => {
  it('registers exactly the names of DESIGN.md "Operability", with their types', async () => {
    const { registry } = await measured({ now: NOW_S * 1000 });
    const { types } = parsePrometheusText(await registry.metrics());
    expect(Object.fromEntries(types)).toEqual({
      auth_token_verifications_total: 'counter',
      auth_revocation_entries: 'gauge',
      auth_events_applied_total: 'counter',
      auth_events_dropped_total: 'counter',
      auth_event_propagation_seconds: 'histogram',
      auth_stream_staleness_seconds: 'gauge',
      auth_signing_keys: 'gauge',
    });
  });

  it('counts verification outcomes by result and errorCode, and events applied and dropped by topic and code', async () => {
    const clock = { now: NOW_S * 1000 };
    const { topics, revoke, heartbeat, token, outcome, samples } = await measured(clock);
    await heartbeat();
    const revoked = await token('jti-revoked');
    expect(await outcome(revoked)).toBe('accepted');
    await revoke({ target: { type: 'jti', value: 'jti-revoked' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    expect(await outcome(revoked)).toBe('ERR_TOKEN_REVOKED');
    expect(await outcome('Bearer not-a-jwt')).toBe('ERR_TOKEN_MALFORMED');
    await topics.append(REVOCATIONS, 'not a security event');

    const metrics = await samples();
    expect(metrics.get('auth_token_verifications_total{result="ok",code="OK"}')).toBe('1');
    expect(metrics.get('auth_token_verifications_total{result="rejected",code="ERR_TOKEN_REVOKED"}')).toBe('1');
    expect(metrics.get('auth_token_verifications_total{result="rejected",code="ERR_TOKEN_MALFORMED"}')).toBe('1');
    expect(metrics.get(`auth_events_applied_total{topic="${REVOCATIONS}"}`)).toBe('2');
    expect(metrics.get(`auth_events_applied_total{topic="${TOPICS.keys}"}`)).toBe('0');
    expect(metrics.get(`auth_events_dropped_total{topic="${REVOCATIONS}",code="ERR_EVENT_MALFORMED"}`)).toBe('1');
  });

  it('reads revocation entries per type, staleness and key states live at each scrape', async () => {
    const clock = { now: NOW_S * 1000 };
    const { topics, kid, jwk, eventOptions, revoke, heartbeat, samples } = await measured(clock);
    let metrics = await samples();
    expect(metrics.get('auth_stream_staleness_seconds')).toBe('+Inf');
    expect(metrics.get('auth_signing_keys{state="published"}')).toBe('1');

    await heartbeat(clock.now - 3_000);
    await revoke({ target: { type: 'sid', value: 'session-1' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await revoke({ target: { type: 'sub', value: 'alice' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await revoke({ target: { type: 'sub', value: 'bob' }, revokedAt: NOW_S, expiresAt: NOW_S + 300 });
    await topics.append(
      TOPICS.keys,
      await encodeKeyEvent({ kid, alg: 'ES256', state: 'current', jwk, at: NOW_S }, eventOptions()),
    );
    clock.now += 2_000;

    metrics = await samples();
    expect(metrics.get('auth_stream_staleness_seconds')).toBe('5');
    expect(
      ['jti', 'sid', 'sub', 'client', 'kid'].map((type) => metrics.get(`auth_revocation_entries{type="${type}"}`)),
    ).toEqual(['0', '1', '2', '0', '0']);
    expect(metrics.get('auth_signing_keys{state="current"}')).toBe('1');
    expect(metrics.has('auth_signing_keys{state="published"}')).toBe(false);
  });

  it('measures propagation from iat to applied for live state changes only, not replays nor heartbeats', async () => {
    const clock = { now: NOW_S * 1000 };
    const { topics, heartbeat, eventOptions, samples } = await measured(clock);
    const revocation = (value: string) =>
      encodeRevocationEvent(
        { target: { type: 'jti', value }, revokedAt: NOW_S - 2, expiresAt: NOW_S + 300 },
        eventOptions(clock.now - 2_000),
      );
    topics.behind.add(REVOCATIONS);
    await topics.append(REVOCATIONS, await revocation('replayed'));
    topics.behind.delete(REVOCATIONS);
    await heartbeat(clock.now - 2_000);
    expect((await samples()).get('auth_event_propagation_seconds_count')).toBe('0');

    await topics.append(REVOCATIONS, await revocation('live'));
    const metrics = await samples();
    expect(metrics.get('auth_event_propagation_seconds_count')).toBe('1');
    expect(metrics.get('auth_event_propagation_seconds_sum')).toBe('2');
    expect(metrics.get('auth_event_propagation_seconds_bucket{le="1.5"}')).toBe('0');
    expect(metrics.get('auth_event_propagation_seconds_bucket{le="2"}')).toBe('1');
    expect(metrics.get(`auth_events_applied_total{topic="${REVOCATIONS}"}`)).toBe('3');
  });
});
