/**
 * One record read from a topic, handed to a {@link TopicReader}'s `onRecord`. Key and value are UTF-8 strings;
 * `null` for a missing key or a tombstone.
 *
 * @example
 * ```ts
 * const onRecord = async (record: EventRecord) => {
 *   if (record.value === null) return; // tombstone
 *   index.add(await decodeRevocationEvent(record.value, options));
 * };
 * ```
 */
export interface EventRecord {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string (int64). */
  offset: string;
  key: string | null;
  value: string | null;
}
