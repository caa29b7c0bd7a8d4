export { KafkaConnection, type KafkaConnectionOptions, type KafkaLogLevel } from './kafka-connection.js';
export { KafkaEventSource } from './kafka-event-source.js';
export { EventProducer, type OutgoingEventRecord } from './event-producer.js';
export { EventPublishError } from './event-publish.error.js';
export { createAcls } from './acl-admin.js';
export { describeTopics, ensureTopics, fetchTopicEndOffsets, type DescribeTopicsOptions } from './topic-admin.js';
export { TopicReader, type TopicReaderOptions } from './topic-reader.js';
