import { describe, expect, it } from '@jest/globals';
import type { TopicSpec } from '@app/events';
import { checkTopicConfigs, minRevocationRetentionMs, TopicConfigError } from './topic-config.check.js';

const requirements = { revocationsTopic: 'r.v1', keysTopic: 'k.v1', minRevocationRetentionMs: 600_000 };
const good = {
  revocations: { 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000', 'retention.bytes': '-1' },
  keys: { 'cleanup.policy': 'compact', 'retention.ms': '604800000', 'retention.bytes': '-1' },
};
const described = (
  revocations: Record<string, string> = good.revocations,
  keys: Record<string, string> = good.keys,
): TopicSpec[] => [
  { topic: 'r.v1', numPartitions: 1, configs: revocations },
  { topic: 'k.v1', numPartitions: 1, configs: keys },
];

describe('checkTopicConfigs', () => {
  it.each([
    ['the configs ensureTopics sets', described()],
    ['the policies in another order', described({ ...good.revocations, 'cleanup.policy': 'delete, compact' })],
    ['a revocation retention of exactly the minimum', described({ ...good.revocations, 'retention.ms': '600000' })],
    ['a revocation retention of forever', described({ ...good.revocations, 'retention.ms': '-1' })],
  ])('accepts %s', (_case, topics) => {
    expect(checkTopicConfigs(topics, requirements)).toEqual([]);
  });

  it.each([
    ['revocations not compacted', { 'cleanup.policy': 'delete' }, {}, 'r.v1', 'cleanup.policy', 'delete'],
    ['revocations never deleted', { 'cleanup.policy': 'compact' }, {}, 'r.v1', 'cleanup.policy', 'compact'],
    ['a revocation retention 1 ms too short', { 'retention.ms': '599999' }, {}, 'r.v1', 'retention.ms', '599999'],
    ['a revocation retention that is no number', { 'retention.ms': '7d' }, {}, 'r.v1', 'retention.ms', '7d'],
    ['revocations deleted by size', { 'retention.bytes': '1073741824' }, {}, 'r.v1', 'retention.bytes', '1073741824'],
    ['keys deleted by age', {}, { 'cleanup.policy': 'compact,delete' }, 'k.v1', 'cleanup.policy', 'compact,delete'],
  ])('names the topic and the setting for %s', (_case, revocations, keys, topic, setting, actual) => {
    const mismatches = checkTopicConfigs(
      described({ ...good.revocations, ...revocations }, { ...good.keys, ...keys }),
      requirements,
    );
    expect(mismatches).toEqual([{ topic, setting, actual, expected: expect.any(String) }]);
  });

  it('reports every setting of a topic the description lacks', () => {
    const mismatches = checkTopicConfigs([described()[1]], requirements);
    expect(mismatches.map(({ topic, setting, actual }) => [topic, setting, actual])).toEqual([
      ['r.v1', 'cleanup.policy', undefined],
      ['r.v1', 'retention.ms', undefined],
      ['r.v1', 'retention.bytes', undefined],
    ]);
  });
});

describe('TopicConfigError', () => {
  it('has a stable code and names each topic and setting', () => {
    const error = new TopicConfigError([
      { topic: 'r.v1', setting: 'retention.ms', actual: '1000', expected: '>= 600000 or -1' },
      { topic: 'k.v1', setting: 'cleanup.policy', actual: undefined, expected: 'compact' },
    ]);
    expect(error.code).toBe('ERR_TOPIC_CONFIG_MISMATCH');
    expect(error.message).toContain('r.v1 retention.ms');
    expect(error.message).toContain('k.v1 cleanup.policy');
  });
});

describe('minRevocationRetentionMs', () => {
  it.each([
    [300, 600_000],
    [86_400, 86_700_000],
  ])('is the token lifetime %i s plus 300 s of clock tolerance', (lifetime, expected) => {
    expect(minRevocationRetentionMs(lifetime)).toBe(expected);
  });
});
