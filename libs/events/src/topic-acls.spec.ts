import { describe, expect, it } from '@jest/globals';
import { authTopicAcls, type KafkaAcl } from './topic-acls.js';

const authService = { principal: 'User:auth-service', groupIdPrefix: 'auth-service' };
const orders = { principal: 'User:orders-service', groupIdPrefix: 'orders-service' };
const billing = { principal: 'User:billing-service', groupIdPrefix: 'billing-service' };

const topicAcl = (principal: string, resourceName: string, operation: KafkaAcl['operation']): KafkaAcl => ({
  principal,
  resourceType: 'topic',
  resourceName,
  patternType: 'literal',
  operation,
});
const groupAcl = (principal: string, prefix: string): KafkaAcl => ({
  principal,
  resourceType: 'group',
  resourceName: prefix,
  patternType: 'prefixed',
  operation: 'read',
});

describe('authTopicAcls', () => {
  it('lets the auth service create, describe, write and read the topics and read their configs', () => {
    const acls = authTopicAcls({ authService, resourceServers: [] });
    const expected = ['create', 'describe', 'write', 'read', 'describe-configs'].flatMap((operation) =>
      ['auth.revocations.v1', 'auth.keys.v1', 'auth.revocation-snapshots.v1'].map((topic) =>
        topicAcl('User:auth-service', topic, operation as KafkaAcl['operation']),
      ),
    );
    expect(acls).toEqual(expect.arrayContaining([...expected, groupAcl('User:auth-service', 'auth-service.')]));
    expect(acls).toHaveLength(expected.length + 1);
  });

  it('lets each resource server read the topics and its own consumer groups only', () => {
    const acls = authTopicAcls({
      authService,
      resourceServers: [orders, billing],
      revocationsTopic: 'r.v1',
      keysTopic: 'k.v1',
      revocationSnapshotsTopic: 's.v1',
    });
    for (const { principal, groupIdPrefix } of [orders, billing]) {
      expect(acls.filter((acl) => acl.principal === principal)).toEqual([
        topicAcl(principal, 'r.v1', 'read'),
        topicAcl(principal, 'k.v1', 'read'),
        topicAcl(principal, 's.v1', 'read'),
        groupAcl(principal, `${groupIdPrefix}.`),
      ]);
    }
  });

  it('gives write and create to no principal but the auth service', () => {
    const acls = authTopicAcls({ authService, resourceServers: [orders, billing] });
    const writers = new Set(
      acls.filter((acl) => acl.operation === 'write' || acl.operation === 'create').map((acl) => acl.principal),
    );
    expect([...writers]).toEqual(['User:auth-service']);
  });

  it.each([
    ['a principal without User:', { authService: { ...authService, principal: 'auth-service' }, resourceServers: [] }],
    ['an empty group prefix', { authService, resourceServers: [{ ...orders, groupIdPrefix: '' }] }],
  ])('refuses %s with a TypeError', (_case, options) => {
    expect(() => authTopicAcls(options)).toThrow(TypeError);
  });
});
