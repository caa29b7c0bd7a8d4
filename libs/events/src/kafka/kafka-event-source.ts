import type { EventSource, EventSubscription, EventSubscriptionOptions } from '../event-source.js';
import type { KafkaConnection } from './kafka-connection.js';
import { TopicReader } from './topic-reader.js';

/**
 * The Kafka {@link EventSource}: each subscription is a {@link TopicReader} (a consumer group of its own, the whole
 * topic from the beginning, no commits).
 *
 * @example
 * ```ts
 * const source = new KafkaEventSource(new KafkaConnection({ brokers: ['127.0.0.1:19092'], clientId: 'orders' }));
 * ```
 */
export class KafkaEventSource implements EventSource {
  constructor(private readonly connection: KafkaConnection) {}

  subscribe(options: EventSubscriptionOptions): EventSubscription {
    return new TopicReader(this.connection, options);
  }
}
