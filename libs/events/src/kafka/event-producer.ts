import { Partitioners, type Producer } from 'kafkajs';
import { EventPublishError } from './event-publish.error.js';
import { kafkaClientOf, type KafkaConnection } from './kafka-connection.js';

/**
 * A record to publish: key and value are UTF-8 strings (a revocation key and its signed SET).
 *
 * @example
 * ```ts
 * const record: OutgoingEventRecord = { key: 'jti:abc', value: set };
 * ```
 */
export interface OutgoingEventRecord {
  key: string;
  value: string;
}

/**
 * Publishes event records with `acks=-1` (all in-sync replicas), idempotently and with one request in flight, so
 * the records of one `send` land in the given order and a retried request cannot duplicate or reorder them.
 * Each `send` retries a few times (bounded, a few seconds) and then rejects with {@link EventPublishError}:
 * the caller (the outbox relay) keeps the rows and retries with its own backoff.
 * Topics are never auto-created by sending (see {@link ensureTopics}).
 *
 * @example
 * ```ts
 * const producer = new EventProducer(connection);
 * await producer.connect();
 * await producer.send(TOPICS.revocations, [{ key: revocationRecordKey(target), value: set }]);
 * await producer.disconnect();
 * ```
 */
export class EventProducer {
  private readonly producer: Producer;

  constructor(connection: KafkaConnection) {
    this.producer = kafkaClientOf(connection).producer({
      // The Java client's murmur2 partitioning, chosen explicitly (kafkajs warns when it is left implicit).
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 3 },
    });
  }

  /**
   * Connects to the cluster; rejects when no broker is reachable (after the client's bounded retries). With `topics`,
   * also loads their partition metadata (a send of no record: nothing is written), so the first real send is one
   * produce round trip, not metadata first: a revocation right after start reaches consumers as fast as any other.
   *
   * @example
   * ```ts
   * await producer.connect({ topics: [TOPICS.revocations, TOPICS.keys] });
   * ```
   */
  async connect({ topics = [] }: { topics?: readonly string[] } = {}): Promise<void> {
    await this.producer.connect();
    if (topics.length === 0) return;
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: [] })) });
    } catch (error) {
      // Connected but not usable: the caller retries a connect, so nothing may stay open.
      await this.producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends `records` to `topic` in order; resolves once every record is acknowledged by all in-sync replicas.
   * Rejects with {@link EventPublishError} when they were not (after bounded retries).
   *
   * @example
   * ```ts
   * await producer.send('auth.revocations.v1', rows.map((row) => ({ key: row.key, value: row.value })));
   * ```
   */
  async send(topic: string, records: readonly OutgoingEventRecord[]): Promise<void> {
    await this.sendMessages(
      topic,
      records.map(({ key, value }) => ({ key, value })),
    );
  }

  /**
   * Appends a tombstone (`null` value) for each key, in order, as {@link send} does: compaction then drops every
   * record of those keys.
   *
   * @example
   * ```ts
   * await producer.sendTombstones('auth.revocation-snapshots.v1', ['chunk:1:7', 'chunk:1:8']);
   * ```
   */
  async sendTombstones(topic: string, keys: readonly string[]): Promise<void> {
    await this.sendMessages(
      topic,
      keys.map((key) => ({ key, value: null })),
    );
  }

  private async sendMessages(topic: string, records: { key: string; value: string | null }[]): Promise<void> {
    if (typeof topic !== 'string' || topic === '') throw new TypeError('"topic" must be a non-empty string');
    if (records.length === 0) return;
    try {
      await this.producer.send({ topic, acks: -1, messages: records });
    } catch (cause) {
      const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw new EventPublishError(topic, `could not publish ${records.length} record(s) to ${topic}: ${reason}`, {
        cause,
      });
    }
  }

  /**
   * Closes the producer's connections.
   *
   * @example
   * ```ts
   * await producer.disconnect();
   * ```
   */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
