import { registerAs } from '@nestjs/config';
import { resourceServerConfigFromEnv, type ResourceServerConfig } from '@app/auth';

/**
 * orders-service configuration: the only reader of `process.env` in this app. `ORDERS_HOST`,
 * `ORDERS_PORT` (3001), `NODE_ENV` and the `ORDERS_*` auth variables (see `resourceServerConfigFromEnv`).
 * Orders is fail-open: while its revocation index catches up it checks tokens against the index as it is.
 */
export const ordersConfig = registerAs('orders', () =>
  resourceServerConfigFromEnv(process.env, 'ORDERS', {
    port: 3001,
    audience: 'orders-service',
    clientId: 'orders-service',
    revocationFailurePolicy: 'open',
  }),
);

export type OrdersConfig = ResourceServerConfig;
