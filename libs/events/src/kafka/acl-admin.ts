// kafkajs is CommonJS: Node's ESM loader only detects some of its named exports (not these).
import kafkajs, { type AclEntry } from 'kafkajs';
import { kafkaClientOf, type KafkaConnection } from './kafka-connection.js';
import type { KafkaAcl } from '../topic-acls.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const OPERATIONS = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  describe: AclOperationTypes.DESCRIBE,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
} as const;
const RESOURCE_TYPES = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN_TYPES = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;

/** How long {@link createAcls} waits for the answering broker to enforce the new ACLs. */
const ENFORCED_TIMEOUT_MS = 10_000;
const ENFORCED_POLL_INTERVAL_MS = 50;

/**
 * Creates ALLOW ACLs (any host) and resolves once the broker that answers lists them all, i.e. enforces them:
 * the controller commits ACLs to the metadata log and brokers apply them moments later, and a client connecting
 * in between would be refused. Needs a principal allowed to alter the cluster's ACLs (a super user). Creating
 * an ACL that exists already is a no-op.
 *
 * @example
 * ```ts
 * await createAcls(adminConnection, authTopicAcls({ authService, resourceServers }));
 * ```
 */
export async function createAcls(connection: KafkaConnection, acls: readonly KafkaAcl[]): Promise<void> {
  if (acls.length === 0) return;
  const entries = acls.map(toAclEntry);
  const admin = kafkaClientOf(connection).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: entries });
    const wanted = new Set(entries.map(aclKey));
    const deadline = Date.now() + ENFORCED_TIMEOUT_MS;
    for (;;) {
      const { resources } = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const present = new Set(
        resources.flatMap((resource) => resource.acls.map((acl) => aclKey({ ...resource, ...acl }))),
      );
      if ([...wanted].every((key) => present.has(key))) return;
      if (Date.now() > deadline) {
        throw new Error(`createAcls: the broker did not list the new ACLs within ${ENFORCED_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, ENFORCED_POLL_INTERVAL_MS));
    }
  } finally {
    await admin.disconnect();
  }
}

function toAclEntry(acl: KafkaAcl): AclEntry {
  const resourceType = RESOURCE_TYPES[acl.resourceType];
  const resourcePatternType = PATTERN_TYPES[acl.patternType];
  const operation = OPERATIONS[acl.operation];
  if (resourceType === undefined || resourcePatternType === undefined || operation === undefined) {
    throw new TypeError(`createAcls: unknown resourceType, patternType or operation in ${JSON.stringify(acl)}`);
  }
  const { principal, resourceName } = acl;
  return {
    principal,
    host: '*',
    resourceType,
    resourceName,
    resourcePatternType,
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

function aclKey(acl: AclEntry): string {
  return JSON.stringify([
    acl.principal,
    acl.host,
    acl.resourceType,
    acl.resourceName,
    acl.resourcePatternType,
    acl.operation,
    acl.permissionType,
  ]);
}
