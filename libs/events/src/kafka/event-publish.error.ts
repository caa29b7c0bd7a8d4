/**
 * Thrown by {@link EventProducer} when Kafka did not acknowledge records (broker unreachable, not enough in-sync
 * replicas, timeout, …) after the producer's own bounded retries. Nothing of the batch may be assumed written:
 * keep the records and send them again later (duplicates are harmless, records are keyed). `cause` holds the
 * Kafka client's error.
 *
 * @example
 * ```ts
 * try {
 *   await producer.send(topic, records);
 * } catch (error) {
 *   if (error instanceof EventPublishError) scheduleRetry(backoff.next());
 *   else throw error;
 * }
 * ```
 */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  readonly code = 'ERR_EVENT_PUBLISH_FAILED';

  constructor(
    readonly topic: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
