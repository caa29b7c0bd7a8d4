import { describe, expect, it } from '@jest/globals';
import { TOPICS, topicSpecs, type TopicSpecsOptions } from './topics.js';

describe('topicSpecs', () => {
  it('describes the revocations (compact,delete + retention, hourly segments), keys and snapshots (compact) topics', () => {
    expect(topicSpecs({ revocationRetentionMs: 86_400_000 })).toEqual([
      {
        topic: 'auth.revocations.v1',
        numPartitions: 1,
        configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000', 'segment.ms': '3600000' },
      },
      { topic: 'auth.keys.v1', numPartitions: 1, configs: { 'cleanup.policy': 'compact' } },
      {
        topic: 'auth.revocation-snapshots.v1',
        numPartitions: 1,
        configs: {
          'cleanup.policy': 'compact',
          'max.message.bytes': '524288',
          'delete.retention.ms': '60000',
          'segment.ms': '3600000',
        },
      },
    ]);
  });

  it('takes topic names, partitions and replication factor', () => {
    const specs = topicSpecs({
      revocationRetentionMs: 1000,
      revocationsTopic: 'r',
      keysTopic: 'k',
      revocationSnapshotsTopic: 's',
      numPartitions: 3,
      replicationFactor: 3,
    });
    expect(
      specs.map(({ topic, numPartitions, replicationFactor }) => [topic, numPartitions, replicationFactor]),
    ).toEqual([
      ['r', 3, 3],
      ['k', 3, 3],
      ['s', 1, 3],
    ]);
  });

  it.each([
    ['zero retention', { revocationRetentionMs: 0 }],
    ['fractional retention', { revocationRetentionMs: 1.5 }],
    ['no partitions', { revocationRetentionMs: 1000, numPartitions: 0 }],
  ] as [string, TopicSpecsOptions][])('refuses %s with a TypeError', (_name, options) => {
    expect(() => topicSpecs(options)).toThrow(TypeError);
  });

  it('names the topics <domain>.<entity>.v<major>', () => {
    expect(TOPICS).toEqual({
      revocations: 'auth.revocations.v1',
      keys: 'auth.keys.v1',
      revocationSnapshots: 'auth.revocation-snapshots.v1',
    });
  });
});
