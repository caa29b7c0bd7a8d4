import type { Provider } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerResourceServerMetrics } from '../metrics/resource-server.metrics.js';
import { ResourceServer } from '../resource-server.js';

/**
 * The app's own prom-client `Registry` (never the global one: several apps may share a process, as in tests), with
 * the default process metrics and the module's resource-server metrics. Exported by `AuthModule` under the
 * `Registry` class, so the app registers its own metrics in it and `/metrics` serves them all.
 *
 * @example
 * ```ts
 * constructor(@Inject(Registry) registry: Registry) {
 *   new Counter({ name: 'orders_created_total', help: 'Orders created', registers: [registry] });
 * }
 * ```
 */
export const metricsRegistryProvider: Provider = {
  provide: Registry,
  useFactory: (server: ResourceServer) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    registerResourceServerMetrics(server, registry);
    return registry;
  },
  inject: [ResourceServer],
};
