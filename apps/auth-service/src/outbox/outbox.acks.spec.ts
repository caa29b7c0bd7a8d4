import { describe, expect, it } from '@jest/globals';
import type { AuthServiceConfig } from '../config/auth-service.config.js';
import { AuthServiceEvents, type OutboxCommittedEvent } from '../observability/auth-service.events.js';
import { OutboxAcks } from './outbox.acks.js';
import { OutboxSignal } from './outbox.signal.js';

function acksWith(outbox: { relayEnabled: boolean; revocationAckWaitMs: number }) {
  const signal = new OutboxSignal();
  const events = new AuthServiceEvents();
  const committed: OutboxCommittedEvent[] = [];
  events.on('outbox.committed', (event) => committed.push(event));
  const acks = new OutboxAcks(signal, events, { outbox } as AuthServiceConfig);
  return { acks, signal, committed };
}

describe('OutboxAcks', () => {
  it('resolves true once every row is acknowledged, having woken the relay and told observers of the commit', async () => {
    const { acks, signal, committed } = acksWith({ relayEnabled: true, revocationAckWaitMs: 10_000 });
    const started = performance.now();
    const waiting = acks.committed(['7', '8']);
    expect(await signal.wait(0)).toBe(true);
    expect(committed).toEqual([{ ids: ['7', '8'], committedAt: expect.any(Number) }]);
    acks.acked(['7']);
    acks.acked(['8', '9']);
    expect(await waiting).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('resolves false once the wait is over without an acknowledgement, and forgets the rows', async () => {
    const { acks } = acksWith({ relayEnabled: true, revocationAckWaitMs: 20 });
    expect(await acks.committed(['1'])).toBe(false);
    acks.acked(['1']); // late: nobody waits any more
    expect(await acks.committed(['2'])).toBe(false);
  });

  it('does not wait when the relay is disabled or the wait is 0, but still wakes the relay', async () => {
    for (const outbox of [
      { relayEnabled: false, revocationAckWaitMs: 10_000 },
      { relayEnabled: true, revocationAckWaitMs: 0 },
    ]) {
      const { acks, signal } = acksWith(outbox);
      const started = performance.now();
      expect(await acks.committed(['1'])).toBe(false);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(await signal.wait(0)).toBe(true);
    }
  });
});
