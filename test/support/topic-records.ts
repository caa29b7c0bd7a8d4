import type { EventRecord } from '@app/events';
import { KafkaConnection, TopicReader } from '@app/events/kafka';

/**
 * Every record of a topic, read from the beginning with a {@link TopicReader} (its own consumer group) until it has
 * caught up with the high watermarks taken when it joined.
 *
 * @example
 * const records = await readTopicRecords(process.env.KAFKA_BROKERS!, 'auth.keys.v1');
 */
export async function readTopicRecords(brokers: string, topic: string): Promise<EventRecord[]> {
  const records: EventRecord[] = [];
  const reader = new TopicReader(new KafkaConnection({ brokers: brokers.split(','), clientId: 'e2e-topic-dump' }), {
    topic,
    groupIdPrefix: 'e2e-topic-dump',
    onRecord: async (record) => void records.push(record),
  });
  await reader.start();
  try {
    await reader.whenCaughtUp();
  } finally {
    await reader.stop();
  }
  return records;
}
