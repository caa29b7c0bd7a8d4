import { kafkaClientOf, type KafkaConnection } from './kafka-connection.js';
import type { TopicSpec } from './topics.js';

/**
 * Creates the topics of `specs` that do not exist yet, with their partition counts and configs. Idempotent and
 * safe to race (a topic created meanwhile by another instance counts as done). Existing topics are left as they
 * are (their configs are not altered). Resolves once the new topics are known to the cluster.
 *
 * @example
 * ```ts
 * await ensureTopics(connection, topicSpecs({ revocationRetentionMs: 7 * 24 * 3600 * 1000 }));
 * ```
 */
export async function ensureTopics(connection: KafkaConnection, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const admin = kafkaClientOf(connection).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return;
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions,
        replicationFactor: spec.replicationFactor ?? 1,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    connection.logger.info('kafka topics ensured', { topics: missing.map((spec) => spec.topic), created });
  } finally {
    await admin.disconnect();
  }
}
