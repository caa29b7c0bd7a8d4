// kafkajs is CommonJS: Node's ESM loader only detects some of its named exports (not these two).
import kafkajs from 'kafkajs';
import { kafkaClientOf, type KafkaConnection } from './kafka-connection.js';
import type { TopicSpec } from '../topics.js';

const { ConfigResourceTypes, ConfigSource } = kafkajs;

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

/** Options of {@link describeTopics}. */
export interface DescribeTopicsOptions {
  /**
   * `overrides` (default): only the topic-level overrides (what `ensureTopics` set). `effective`: every config with
   * the value the broker applies to the topic (its override, else the broker's setting, else Kafka's default).
   */
  configs?: 'overrides' | 'effective';
}

/**
 * Reads existing topics back in the shape of a {@link TopicSpec}: partition count, replication factor and the
 * topic-level config overrides (what `ensureTopics` set, not broker defaults), or every effective config.
 * Rejects when a topic is missing. Useful to check at start that an existing topic has the configs it should have.
 *
 * @example
 * ```ts
 * const [revocations] = await describeTopics(connection, [TOPICS.revocations], { configs: 'effective' });
 * if (revocations.configs['cleanup.policy'] !== 'compact,delete') logger.warn('unexpected cleanup.policy');
 * ```
 */
export async function describeTopics(
  connection: KafkaConnection,
  topics: readonly string[],
  options: DescribeTopicsOptions = {},
): Promise<TopicSpec[]> {
  const effective = options.configs === 'effective';
  if (topics.length === 0) return [];
  const admin = kafkaClientOf(connection).admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    return topics.map((topic) => {
      const partitions = metadata.topics.find((entry) => entry.name === topic)?.partitions ?? [];
      const entries = described.resources.find((resource) => resource.resourceName === topic)?.configEntries ?? [];
      const configs = Object.fromEntries(
        entries
          .filter((entry) => effective || entry.configSource === ConfigSource.TOPIC_CONFIG)
          .map((entry) => [entry.configName, entry.configValue]),
      );
      return { topic, numPartitions: partitions.length, replicationFactor: partitions[0]?.replicas.length, configs };
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The end (high watermark) of every partition of `topic`: per partition, the offset the next record will get.
 * Rejects while the topic does not exist.
 *
 * @example
 * ```ts
 * const ends = await fetchTopicEndOffsets(connection, TOPICS.revocations); // { 0: '1200' }
 * ```
 */
export async function fetchTopicEndOffsets(
  connection: KafkaConnection,
  topic: string,
): Promise<Record<number, string>> {
  const admin = kafkaClientOf(connection).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map(({ partition, high }) => [partition, high]));
  } finally {
    await admin.disconnect();
  }
}
