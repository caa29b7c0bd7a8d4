import { EVENT_TYPES } from './event-types.js';
import { REVOCATION_EVENT_TARGETS } from './revocation.js';
import { SNAPSHOT_LIMITS } from './revocation-snapshot.js';
import { KEY_EVENT_TYPES } from './signing-key.js';

/**
 * Default topic names of the auth layer (`<domain>.<entity>.v<major>`). Apps may override them by configuration.
 *
 * @example
 * ```ts
 * await producer.send(TOPICS.revocations, [{ key: revocationRecordKey(target), value: set }]);
 * ```
 */
export const TOPICS = {
  revocations: 'auth.revocations.v1',
  keys: 'auth.keys.v1',
  revocationSnapshots: 'auth.revocation-snapshots.v1',
} as const;

/**
 * The event types each topic carries; a consumer drops (and counts) any other type it reads there. `key-revoked`
 * travels on both: as a `kid` revocation on the revocations topic and as the key's last state on the keys topic.
 * Heartbeats travel with the revocations, behind them in the same partition: that order is what lets a heartbeat
 * vouch for every revocation committed before it. The snapshots topic carries signed snapshots of the live
 * revocations (manifest and chunks), so a starting consumer reads the revocations topic only from where one ends.
 *
 * @example
 * ```ts
 * verifySecurityEvent(record.value, { ...options, types: TOPIC_EVENT_TYPES.keys });
 * ```
 */
export const TOPIC_EVENT_TYPES: Readonly<Record<keyof typeof TOPICS, ReadonlySet<string>>> = {
  revocations: new Set([...Object.keys(REVOCATION_EVENT_TARGETS), EVENT_TYPES.heartbeat]),
  keys: new Set(Object.values(KEY_EVENT_TYPES)),
  revocationSnapshots: new Set([EVENT_TYPES.revocationSnapshotManifest, EVENT_TYPES.revocationSnapshotChunk]),
};

/** `max.message.bytes` of the snapshots topic: a chunk SET and the record overhead, with room to spare. */
const SNAPSHOT_RECORD_MAX_BYTES = 2 * SNAPSHOT_LIMITS.maxChunkBytes;

/** `segment.ms` of the revocations topic: how long heartbeats (and superseded revocations) wait for compaction. */
const REVOCATION_SEGMENT_MS = 3_600_000;

/**
 * What {@link ensureTopics} creates: one topic with its partition count and topic-level configs.
 *
 * @example
 * ```ts
 * const spec: TopicSpec = { topic: 'auth.keys.v1', numPartitions: 1, configs: { 'cleanup.policy': 'compact' } };
 * ```
 */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Omitted: 1 (single-node dev/test brokers); set 3 on a production cluster. */
  replicationFactor?: number;
  configs: Readonly<Record<string, string>>;
}

/** Options of {@link topicSpecs}. */
export interface TopicSpecsOptions {
  /** `retention.ms` of the revocations topic: at least the longest lifetime a revocation entry must outlive. */
  revocationRetentionMs: number;
  /** Defaults to {@link TOPICS}.revocations. */
  revocationsTopic?: string;
  /** Defaults to {@link TOPICS}.keys. */
  keysTopic?: string;
  /** Defaults to {@link TOPICS}.revocationSnapshots. */
  revocationSnapshotsTopic?: string;
  /** Defaults to 1: one partition keeps every event in one total order. */
  numPartitions?: number;
  replicationFactor?: number;
}

/**
 * The topics the auth service owns: revocations (`compact,delete` + retention, hourly segments), keys (`compact`) and
 * revocation snapshots (`compact`, always one partition: a manifest must follow its chunks).
 *
 * @example
 * ```ts
 * await ensureTopics(connection, topicSpecs({ revocationRetentionMs: 24 * 3600 * 1000 }));
 * ```
 */
export function topicSpecs(options: TopicSpecsOptions): TopicSpec[] {
  const { revocationRetentionMs, numPartitions = 1, replicationFactor } = options;
  if (!Number.isSafeInteger(revocationRetentionMs) || revocationRetentionMs <= 0) {
    throw new TypeError('topicSpecs: "revocationRetentionMs" must be a positive integer');
  }
  if (!Number.isSafeInteger(numPartitions) || numPartitions < 1) {
    throw new TypeError('topicSpecs: "numPartitions" must be a positive integer');
  }
  const common = replicationFactor === undefined ? { numPartitions } : { numPartitions, replicationFactor };
  return [
    {
      topic: options.revocationsTopic ?? TOPICS.revocations,
      ...common,
      configs: {
        'cleanup.policy': 'compact,delete',
        'retention.ms': String(revocationRetentionMs),
        // Compaction never touches the active segment: without an hourly roll a week of heartbeats (one key, but
        // ~120 000 records at 5 s) would sit there and every consumer would verify them all at start.
        'segment.ms': String(REVOCATION_SEGMENT_MS),
      },
    },
    { topic: options.keysTopic ?? TOPICS.keys, ...common, configs: { 'cleanup.policy': 'compact' } },
    {
      topic: options.revocationSnapshotsTopic ?? TOPICS.revocationSnapshots,
      ...common,
      numPartitions: 1,
      configs: {
        'cleanup.policy': 'compact',
        // Chunks are up to 256 KiB; tombstones of a superseded snapshot's chunks go within a minute.
        'max.message.bytes': String(SNAPSHOT_RECORD_MAX_BYTES),
        'delete.retention.ms': '60000',
        'segment.ms': String(REVOCATION_SEGMENT_MS),
      },
    },
  ];
}
