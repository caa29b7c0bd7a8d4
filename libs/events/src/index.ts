export { TOPICS, TOPIC_EVENT_TYPES, topicSpecs, type TopicSpec, type TopicSpecsOptions } from './topics.js';
export { authTopicAcls, type AuthTopicAclsOptions, type AuthTopicsClient, type KafkaAcl } from './topic-acls.js';
export { EVENT_TYPES } from './event-types.js';
export { EVENT_LIMITS } from './security-event-token.js';
export type { EncodeEventOptions, EventSigner } from './security-event.encoder.js';
export {
  verifySecurityEvent,
  type EventKeyResolver,
  type VerifiedSecurityEvent,
  type VerifySecurityEventOptions,
} from './security-event.verifier.js';
export {
  REVOCATION_EVENT_TARGETS,
  REVOCATION_EVENT_TYPES,
  revocationEventType,
  revocationRecordKey,
  type Revocation,
  type RevocationEventType,
  type RevocationTargetType,
  type VerifiedRevocation,
} from './revocation.js';
export { encodeRevocationEvent } from './revocation-event.encoder.js';
export {
  SNAPSHOT_LIMITS,
  SNAPSHOT_MANIFEST_RECORD_KEY,
  snapshotChunkRecordKey,
  type RevocationSnapshot,
  type SnapshotChunkRef,
  type SnapshotSlot,
  type VerifiedSnapshotManifest,
} from './revocation-snapshot.js';
export {
  encodeRevocationSnapshot,
  type EncodedRevocationSnapshot,
  type EncodeSnapshotOptions,
  type SnapshotEntry,
} from './revocation-snapshot.encoder.js';
export {
  verifyRevocationSnapshot,
  type SnapshotRecords,
  type VerifySnapshotOptions,
} from './revocation-snapshot.verifier.js';
export { parseRevocationEvent } from './revocation-event.parser.js';
export { peekRevocationExpiry } from './revocation-event.peek.js';
export {
  isPublicJwk,
  KEY_EVENT_TYPES,
  PUBLISHED_KEY_STATES,
  type KeyLifecycleEvent,
  type SigningKeyState,
  type VerifiedKeyEvent,
} from './signing-key.js';
export { encodeKeyEvent } from './key-event.encoder.js';
export { parseKeyEvent } from './key-event.parser.js';
export {
  HEARTBEAT_RECORD_KEY,
  MAX_HEARTBEAT_INTERVAL_SECONDS,
  type Heartbeat,
  type VerifiedHeartbeat,
} from './heartbeat.js';
export { encodeHeartbeatEvent } from './heartbeat-event.encoder.js';
export { parseHeartbeatEvent } from './heartbeat-event.parser.js';
export { EventVerificationError, type EventVerificationErrorCode } from './event-verification.error.js';
export type { EventRecord } from './event-record.js';
export type { EventSource, EventSubscription, EventSubscriptionOptions } from './event-source.js';
export { silentEventLogger, type EventLogger } from './event-logger.js';
export { DEFAULT_WARNING_INTERVAL_MS, ThrottledWarnings, type ThrottledWarningsOptions } from './throttled-warnings.js';
export { describeError } from './describe-error.js';
export { epochNowMs } from './epoch-now.js';
export { isCanonicalCompactJws } from './compact-jws.js';
