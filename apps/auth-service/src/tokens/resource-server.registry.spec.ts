import { describe, expect, it, jest } from '@jest/globals';
import type { Database, SqlExecutor } from '../storage/database.js';
import { RESOURCE_SERVERS_MAX_AGE_MS, ResourceServerRegistry } from './resource-server.registry.js';
import type { ResourceServer } from './scope-grant.js';

const ORDERS: ResourceServer = { audience: 'orders-service', scopes: ['orders:read'] };
const BILLING: ResourceServer = { audience: 'billing-service', scopes: ['billing:read'] };

function registryOver(answers: (() => Promise<ResourceServer[]>)[]) {
  let now = 1_700_000_000_000;
  const query = jest.fn(async () => {
    const answer = answers.shift();
    if (answer === undefined) throw new Error('unexpected query');
    return answer();
  });
  const registry = new ResourceServerRegistry({ query } as unknown as Database, { now: () => now });
  return { registry, query, advance: (ms: number) => (now += ms) };
}

describe('ResourceServerRegistry', () => {
  it('reads the table once per max age, then again', async () => {
    const { registry, query, advance } = registryOver([async () => [ORDERS], async () => [BILLING, ORDERS]]);
    expect(await registry.list()).toEqual([ORDERS]);
    advance(RESOURCE_SERVERS_MAX_AGE_MS - 1);
    expect(await registry.list()).toEqual([ORDERS]);
    expect(query).toHaveBeenCalledTimes(1);
    advance(1);
    expect(await registry.list()).toEqual([BILLING, ORDERS]);
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('shares one read between concurrent callers', async () => {
    const { registry, query } = registryOver([async () => [ORDERS]]);
    expect(await Promise.all([registry.list(), registry.list(), registry.eventAudiences()])).toEqual([
      [ORDERS],
      [ORDERS],
      ['auth-service', 'orders-service'],
    ]);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failed read', async () => {
    const { registry, query } = registryOver([
      async () => {
        throw new Error('connection lost');
      },
      async () => [ORDERS],
    ]);
    await expect(registry.list()).rejects.toThrow('connection lost');
    expect(await registry.list()).toEqual([ORDERS]);
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('reads through the given executor (a transaction) when it reads', async () => {
    const { registry, query } = registryOver([]);
    const tx = { query: jest.fn(async () => [ORDERS]) } as unknown as SqlExecutor;
    expect(await registry.list(tx)).toEqual([ORDERS]);
    expect(await registry.list()).toEqual([ORDERS]);
    expect(query).not.toHaveBeenCalled();
  });
});
