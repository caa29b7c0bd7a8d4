export { TOPICS, topicSpecs, type TopicSpec, type TopicSpecsOptions } from './topics.js';
export { EVENT_TYPES, type EventType } from './event-types.js';
export {
  REVOCATION_EVENT_TYPES,
  REVOCATION_TARGET_TYPES,
  revocationRecordKey,
  type Revocation,
  type RevocationTargetType,
  type VerifiedRevocation,
} from './revocation.js';
export { EVENT_LIMITS, SECEVENT_JWT_TYPE, type RevocationEventPayload } from './security-event-token.js';
export {
  encodeRevocationEvent,
  type EncodeRevocationEventOptions,
  type EventSigner,
} from './revocation-event.encoder.js';
export {
  decodeRevocationEvent,
  type DecodeRevocationEventOptions,
  type EventKeyResolver,
} from './revocation-event.decoder.js';
export { EventVerificationError, type EventVerificationErrorCode } from './event-verification.error.js';
export { silentEventLogger, type EventLogger } from './event-logger.js';
export { KafkaConnection, type KafkaConnectionOptions, type KafkaLogLevel } from './kafka-connection.js';
export { EventProducer, type OutgoingEventRecord } from './event-producer.js';
export { EventPublishError } from './event-publish.error.js';
export { describeTopics, ensureTopics } from './topic-admin.js';
export type { EventRecord } from './event-record.js';
export { TopicReader, type TopicReaderOptions } from './topic-reader.js';
export { describeError } from './describe-error.js';
