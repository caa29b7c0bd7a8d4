import { describe, expect, it } from '@jest/globals';
import { isExpectedClientChatter } from './expected-client-chatter.js';

const entry = (message: string, error?: string) => ({
  log: { message, timestamp: '2026-12-02T00:00:00.000Z', logger: 'kafkajs', ...(error === undefined ? {} : { error }) },
});

describe('isExpectedClientChatter', () => {
  it.each([
    entry('Limiting retries for the idempotent producer may invalidate EoS guarantees'),
    entry('Response GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available'),
    entry(
      'Response JoinGroup(key: 11, version: 5)',
      "The coordinator is loading and hence can't process requests for this group",
    ),
    entry(
      'Response Metadata(key: 3, version: 6)',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ),
  ])('is start-up chatter: $log.message', (logEntry) => {
    expect(isExpectedClientChatter(logEntry)).toBe(true);
  });

  it.each([
    entry('Connection error: connect ECONNREFUSED 127.0.0.1:9092'),
    entry('Response Produce(key: 0, version: 7)', 'Topic authorization failed'),
    entry('Crash: KafkaJSNumberOfRetriesExceeded', 'Connection timeout'),
    entry('Failed to connect to seed broker, trying another broker from the list'),
  ])('is a real warning: $log.message', (logEntry) => {
    expect(isExpectedClientChatter(logEntry)).toBe(false);
  });
});
