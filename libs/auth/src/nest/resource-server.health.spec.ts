import { afterEach, describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NOW_S, REVOCATIONS, stackAt, stopStartedServers } from '../../../../test/support/resource-server-stack.js';
import { ResourceServerHealthIndicator } from './resource-server.health.js';

afterEach(stopStartedServers);

/** The terminus indicators of a recorded-topics resource server, evaluated now, merged by part. */
async function readiness(stack: Awaited<ReturnType<typeof stackAt>>) {
  const indicator = new ResourceServerHealthIndicator(stack.server, new HealthIndicatorService());
  return Object.assign({}, ...indicator.indicators().map((check) => check())) as Record<
    string,
    { status: string; message?: string } & Record<string, unknown>
  >;
}

describe('ResourceServerHealthIndicator', () => {
  it('reports every part up once caught up and fresh', async () => {
    const clock = { now: NOW_S * 1000 };
    const stack = await stackAt(clock, { policy: 'closed' });
    await stack.heartbeat();
    const parts = await readiness(stack);
    expect(Object.fromEntries(Object.entries(parts).map(([part, { status }]) => [part, status]))).toEqual({
      keys: 'up',
      revocations: 'up',
      keyEvents: 'up',
      staleness: 'up',
    });
    expect(parts.staleness).toMatchObject({ ageSeconds: 0, maxStalenessSeconds: 20, policy: 'closed' });
  });

  it('says which part is down and why: not caught up, over capacity, stale under either policy', async () => {
    const clock = { now: NOW_S * 1000 };
    const open = await stackAt(clock, { policy: 'open', maxRevocationEntries: 1 });
    open.topics.behind.add(REVOCATIONS);
    let parts = await readiness(open);
    expect(parts.revocations).toMatchObject({ status: 'down', message: 'not caught up with the revocations topic' });
    expect(parts.staleness).toMatchObject({
      status: 'down',
      message: 'stale (no heartbeat from the issuer yet, bound 20 s); fail-open: still accepting tokens',
    });
    expect(parts.keys.status).toBe('up');

    open.topics.behind.delete(REVOCATIONS);
    await open.heartbeat(clock.now - 41_000);
    for (const value of ['a', 'b']) {
      await open.revoke({ target: { type: 'jti', value }, revokedAt: NOW_S, expiresAt: NOW_S + 60 });
    }
    parts = await readiness(open);
    expect(parts.revocations.message).toMatch(/over capacity/);
    expect(parts.staleness.message).toBe(
      'stale (newest heartbeat 41 s old, bound 20 s); fail-open: still accepting tokens',
    );

    const closed = await stackAt(clock, { policy: 'closed' });
    expect((await readiness(closed)).staleness.message).toMatch(/fail-closed: refusing tokens \(503\)$/);
  });
});
