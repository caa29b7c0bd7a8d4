import type { EventRecord, EventSource, EventSubscription, EventSubscriptionOptions } from '@app/events';

/**
 * An event source over records held in memory, for unit specs of the composition root and its adapters (the Kafka
 * adapter has its own e2e specs): every subscription gets the records present when it starts, then each one
 * appended. A topic in `behind` reports not caught up.
 */
export class RecordedTopics implements EventSource {
  readonly behind = new Set<string>();
  private readonly topics = new Map<string, EventRecord[]>();
  private readonly subscribers = new Map<string, EventSubscriptionOptions[]>();

  async append(topic: string, value: string): Promise<void> {
    const records = this.topics.get(topic) ?? [];
    const record: EventRecord = { topic, partition: 0, offset: String(records.length), key: null, value };
    records.push(record);
    this.topics.set(topic, records);
    for (const subscriber of this.subscribers.get(topic) ?? []) await subscriber.onRecord(record);
  }

  subscribe(options: EventSubscriptionOptions): EventSubscription {
    const { topics, subscribers, behind } = this;
    let started = false;
    return {
      get caughtUp() {
        return started && !behind.has(options.topic);
      },
      get running() {
        return true;
      },
      async start() {
        for (const record of topics.get(options.topic) ?? []) await options.onRecord(record);
        subscribers.set(options.topic, [...(subscribers.get(options.topic) ?? []), options]);
        started = true;
      },
      async whenCaughtUp() {},
      async stop() {},
    };
  }
}
