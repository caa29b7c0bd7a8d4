import { TOPICS } from './topics.js';

/**
 * One Kafka ALLOW ACL (from any host), in the terms of `kafka-acls`: a principal may perform an operation on a
 * topic or consumer group, named exactly (`literal`) or by prefix (`prefixed`).
 *
 * @example
 * ```ts
 * const acl: KafkaAcl = {
 *   principal: 'User:orders-service',
 *   resourceType: 'group',
 *   resourceName: 'orders-service.',
 *   patternType: 'prefixed',
 *   operation: 'read',
 * };
 * ```
 */
export interface KafkaAcl {
  /** `User:<name>`: for SASL/SCRAM the SCRAM user name. */
  readonly principal: string;
  readonly resourceType: 'topic' | 'group';
  readonly resourceName: string;
  readonly patternType: 'literal' | 'prefixed';
  readonly operation: 'read' | 'write' | 'create' | 'describe' | 'describe-configs';
}

/** A client of the auth topics: its principal and the prefix of its consumer groups. */
export interface AuthTopicsClient {
  /** `User:<name>`. */
  readonly principal: string;
  /** Its readers' groups are `<groupIdPrefix>.<topic role>.<uuid>` (the Kafka `clientId` by default). */
  readonly groupIdPrefix: string;
}

/** Options of {@link authTopicAcls}. */
export interface AuthTopicAclsOptions {
  /** The only writer of the auth topics. */
  readonly authService: AuthTopicsClient;
  /** Readers only. */
  readonly resourceServers: readonly AuthTopicsClient[];
  /** Defaults to {@link TOPICS}.revocations. */
  readonly revocationsTopic?: string;
  /** Defaults to {@link TOPICS}.keys. */
  readonly keysTopic?: string;
  /** Defaults to {@link TOPICS}.revocationSnapshots. */
  readonly revocationSnapshotsTopic?: string;
}

const AUTH_SERVICE_TOPIC_OPERATIONS = ['create', 'describe', 'write', 'read', 'describe-configs'] as const;

/**
 * The ACLs a shared cluster needs for the auth topics, and no more: the auth service may create, describe, write
 * and read them and read their configs (it checks them at start); resource servers may only read them. Anyone
 * who can write the revocations topic could erase a signed revocation through compaction (a record with the same
 * key, whatever its signature), so no other principal gets `write`. Each client may use its own consumer groups
 * (a prefixed ACL: every instance has a group of its own, with a random suffix).
 *
 * @example
 * ```ts
 * const acls = authTopicAcls({
 *   authService: { principal: 'User:auth-service', groupIdPrefix: 'auth-service' },
 *   resourceServers: [{ principal: 'User:orders-service', groupIdPrefix: 'orders-service' }],
 * });
 * await createAcls(adminConnection, acls);
 * ```
 */
export function authTopicAcls(options: AuthTopicAclsOptions): KafkaAcl[] {
  const topics = [
    options.revocationsTopic ?? TOPICS.revocations,
    options.keysTopic ?? TOPICS.keys,
    options.revocationSnapshotsTopic ?? TOPICS.revocationSnapshots,
  ];
  const { authService, resourceServers } = options;
  for (const client of [authService, ...resourceServers]) {
    if (!/^User:.+$/.test(client?.principal ?? '') || !client.groupIdPrefix) {
      throw new TypeError('authTopicAcls: every client needs a "User:<name>" principal and a groupIdPrefix');
    }
  }
  const onTopics = (principal: string, operation: KafkaAcl['operation']): KafkaAcl[] =>
    topics.map((topic) => ({
      principal,
      resourceType: 'topic',
      resourceName: topic,
      patternType: 'literal',
      operation,
    }));
  const ownGroups = ({ principal, groupIdPrefix }: AuthTopicsClient): KafkaAcl => ({
    principal,
    resourceType: 'group',
    resourceName: `${groupIdPrefix}.`,
    patternType: 'prefixed',
    operation: 'read',
  });
  return [
    ...AUTH_SERVICE_TOPIC_OPERATIONS.flatMap((operation) => onTopics(authService.principal, operation)),
    ownGroups(authService),
    ...resourceServers.flatMap((client) => [...onTopics(client.principal, 'read'), ownGroups(client)]),
  ];
}
