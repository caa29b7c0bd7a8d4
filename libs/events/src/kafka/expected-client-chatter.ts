import type { LogEntry } from 'kafkajs';

// kafkajs reports these at WARN/ERROR in the normal course of things: the retry notice of every idempotent producer
// it creates, and the retriable answers a broker gives while it loads its group coordinator or elects a partition
// leader (each start, each new topic). The client retries them itself; what would not recover surfaces through our
// own errors, so they are details for debug, not warnings.
const EXPECTED_MESSAGES = ['Limiting retries for the idempotent producer'];
const EXPECTED_ERRORS = [
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
];

/**
 * Whether a kafkajs log entry is chatter the client is expected to produce while it starts or a topic is created
 * (see above), rather than a sign of trouble.
 *
 * @example
 * ```ts
 * if (isExpectedClientChatter(entry)) logger.debug(entry.log.message);
 * ```
 */
export function isExpectedClientChatter({ log }: Pick<LogEntry, 'log'>): boolean {
  const error = (log as { error?: unknown }).error;
  return (
    EXPECTED_MESSAGES.some((message) => log.message.startsWith(message)) ||
    (typeof error === 'string' && EXPECTED_ERRORS.includes(error))
  );
}
