import type { TopicSpec } from '@app/events';
import { longestAcceptanceSeconds } from '../tokens/longest-acceptance.js';

/** What the auth topics must be like; see {@link checkTopicConfigs}. */
export interface TopicRequirements {
  readonly revocationsTopic: string;
  readonly keysTopic: string;
  /** Checked when given: `cleanup.policy=compact` (the newest manifest and its chunks must stay). */
  readonly revocationSnapshotsTopic?: string;
  /** Shortest acceptable `retention.ms` of the revocations topic ({@link minRevocationRetentionMs}). */
  readonly minRevocationRetentionMs: number;
}

/** One setting of one topic that is not what the auth layer needs. */
export interface TopicConfigMismatch {
  readonly topic: string;
  readonly setting: string;
  /** The effective value, `undefined` when the broker reported none. */
  readonly actual: string | undefined;
  /** What it must be, in words (`compact,delete`, `>= 600000 or -1`). */
  readonly expected: string;
}

/**
 * Thrown at start when an auth topic exists with settings that would lose events (existing topics are never
 * altered): the service refuses to publish into it. `mismatches` names each topic and setting.
 *
 * @example
 * ```ts
 * if (error instanceof TopicConfigError) for (const m of error.mismatches) log(m.topic, m.setting);
 * ```
 */
export class TopicConfigError extends Error {
  override readonly name = 'TopicConfigError';
  readonly code = 'ERR_TOPIC_CONFIG_MISMATCH';

  constructor(readonly mismatches: readonly TopicConfigMismatch[]) {
    super(
      `Kafka topic settings that would lose events: ${mismatches
        .map(({ topic, setting, actual, expected }) => `${topic} ${setting}=${actual ?? '(unset)'} (needs ${expected})`)
        .join('; ')}. Existing topics are not altered: fix them (kafka-configs --alter) or use other topic names`,
    );
  }
}

/**
 * The shortest `retention.ms` the revocations topic may have: a revocation must stay readable as long as the
 * longest token it can hit may still be accepted somewhere, i.e. the longest token lifetime plus the largest
 * clock tolerance a resource server may allow ({@link longestAcceptanceSeconds}).
 *
 * @example
 * ```ts
 * minRevocationRetentionMs(300); // 600_000
 * ```
 */
export function minRevocationRetentionMs(longestTokenLifetimeSeconds: number): number {
  return longestAcceptanceSeconds(longestTokenLifetimeSeconds) * 1000;
}

/**
 * Compares the auth topics' effective configs (`describeTopics(…, { configs: 'effective' })`) with what the auth
 * layer needs: revocations `cleanup.policy=compact,delete`, `retention.ms` at least the minimum (or -1, forever),
 * `retention.bytes=-1` (deleting by size drops revocations whatever their age); keys `cleanup.policy=compact`
 * (the latest record per kid is that key's state, so none may be deleted), and the snapshots topic, when named,
 * `cleanup.policy=compact`. Pure; an empty result means fine.
 *
 * @example
 * ```ts
 * const mismatches = checkTopicConfigs(described, { revocationsTopic, keysTopic, minRevocationRetentionMs: 600_000 });
 * if (mismatches.length > 0) throw new TopicConfigError(mismatches);
 * ```
 */
export function checkTopicConfigs(
  described: readonly TopicSpec[],
  requirements: TopicRequirements,
): TopicConfigMismatch[] {
  const { revocationsTopic, keysTopic, minRevocationRetentionMs: minRetention } = requirements;
  const rules: Array<[topic: string, setting: string, expected: string, ok: (value: string | undefined) => boolean]> = [
    [revocationsTopic, 'cleanup.policy', 'compact,delete', (value) => samePolicies(value, ['compact', 'delete'])],
    [revocationsTopic, 'retention.ms', `>= ${minRetention} or -1`, (value) => atLeastOrForever(value, minRetention)],
    [revocationsTopic, 'retention.bytes', '-1', (value) => value === '-1'],
    [keysTopic, 'cleanup.policy', 'compact', (value) => samePolicies(value, ['compact'])],
  ];
  const { revocationSnapshotsTopic } = requirements;
  if (revocationSnapshotsTopic !== undefined) {
    rules.push([revocationSnapshotsTopic, 'cleanup.policy', 'compact', (value) => samePolicies(value, ['compact'])]);
  }
  return rules.flatMap(([topic, setting, expected, ok]) => {
    const actual = described.find((spec) => spec.topic === topic)?.configs[setting];
    return ok(actual) ? [] : [{ topic, setting, actual, expected }];
  });
}

function samePolicies(value: string | undefined, wanted: readonly string[]): boolean {
  const policies = new Set((value ?? '').split(',').map((policy) => policy.trim()));
  return policies.size === wanted.length && wanted.every((policy) => policies.has(policy));
}

function atLeastOrForever(value: string | undefined, min: number): boolean {
  if (value === undefined || !/^-?\d+$/.test(value)) return false;
  const ms = Number(value);
  return ms === -1 || ms >= min;
}
