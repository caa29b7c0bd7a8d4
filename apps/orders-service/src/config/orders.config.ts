import { registerAs, type ConfigType } from '@nestjs/config';
import { authOptionsFromEnv } from '@app/auth';

/**
 * orders-service configuration: the only reader of `process.env` in this app.
 * `ORDERS_HOST` (127.0.0.1), `ORDERS_PORT` (3001), `NODE_ENV` (production → JSON logs), and the
 * `ORDERS_*` auth variables of `authOptionsFromEnv` (revocation failure policy defaults to `open`).
 */
export const ordersConfig = registerAs('orders', () => {
  const port = Number(process.env.ORDERS_PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('ORDERS_PORT must be a TCP port number');
  }
  return {
    host: process.env.ORDERS_HOST ?? '127.0.0.1',
    port,
    jsonLogs: process.env.NODE_ENV === 'production',
    auth: authOptionsFromEnv(process.env, 'ORDERS', {
      audience: 'orders-service',
      clientId: 'orders-service',
      revocationFailurePolicy: 'open',
    }),
  };
});

export type OrdersConfig = ConfigType<typeof ordersConfig>;
