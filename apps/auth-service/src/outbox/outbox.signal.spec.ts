import { describe, expect, it } from '@jest/globals';
import { groupByTopicRuns } from './outbox.relay.js';
import { OutboxSignal } from './outbox.signal.js';

describe('OutboxSignal', () => {
  it('wakes a waiting relay at once', async () => {
    const signal = new OutboxSignal();
    const started = performance.now();
    const waiting = signal.wait(10_000);
    signal.notify();
    expect(await waiting).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('remembers a notification that arrived while the relay was busy', async () => {
    const signal = new OutboxSignal();
    signal.notify();
    expect(await signal.wait(10_000)).toBe(true);
  });

  it('times out without a notification', async () => {
    const signal = new OutboxSignal();
    expect(await signal.wait(5)).toBe(false);
  });
});

describe('groupByTopicRuns', () => {
  it('keeps id order and splits only where the topic changes', () => {
    const row = (id: string, topic: string) => ({ id, topic, key: `jti:${id}`, value: 'v' });
    const runs = groupByTopicRuns([row('1', 'a'), row('2', 'a'), row('3', 'b'), row('4', 'a')]);
    expect(runs.map((run) => run.map((r) => r.id))).toEqual([['1', '2'], ['3'], ['4']]);
  });
});
