import { resourceServerConfigFromEnv, type ResourceServerConfig } from '@app/auth';

/** The HTTP adapter a bench app runs on: the same module, served by Fastify (as orders) or Express (as billing). */
export type BenchAdapter = 'fastify' | 'express';

/** What the guard bench app needs: the resource-server config of ours (as orders reads it) and its adapter. */
export interface GuardsBenchConfig extends ResourceServerConfig {
  readonly adapter: BenchAdapter;
}

/**
 * The guard bench app's configuration, its only reader of `process.env`: `GUARDS_ADAPTER` (`fastify` | `express`),
 * `GUARDS_PORT` and the `GUARDS_*` auth variables of `resourceServerConfigFromEnv`, audience `orders-service` (the
 * bench's tokens carry it), fail-open like orders. The Kafka client id (the consumer groups' prefix) names the
 * adapter so that two bench apps on one broker never share a group.
 */
export function guardsBenchConfig(env: NodeJS.ProcessEnv = process.env): GuardsBenchConfig {
  const adapter = env.GUARDS_ADAPTER ?? 'fastify';
  if (adapter !== 'fastify' && adapter !== 'express') {
    throw new TypeError('GUARDS_ADAPTER must be fastify or express');
  }
  const config = resourceServerConfigFromEnv(env, 'GUARDS', {
    port: 3101,
    audience: 'orders-service',
    clientId: `guards-bench-${adapter}`,
    revocationFailurePolicy: 'open',
  });
  return { ...config, adapter };
}
