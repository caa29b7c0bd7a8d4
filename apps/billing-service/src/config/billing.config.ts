import { registerAs, type ConfigType } from '@nestjs/config';
import { authOptionsFromEnv } from '@app/auth';

/**
 * billing-service configuration: the only reader of `process.env` in this app.
 * `BILLING_HOST` (127.0.0.1), `BILLING_PORT` (3002), `NODE_ENV` (production → JSON logs), and the
 * `BILLING_*` auth variables of `authOptionsFromEnv`. Billing is fail-closed: while its revocation
 * index is not caught up it refuses every token.
 */
export const billingConfig = registerAs('billing', () => {
  const port = Number(process.env.BILLING_PORT ?? 3002);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError('BILLING_PORT must be a TCP port number');
  }
  return {
    host: process.env.BILLING_HOST ?? '127.0.0.1',
    port,
    jsonLogs: process.env.NODE_ENV === 'production',
    auth: authOptionsFromEnv(process.env, 'BILLING', {
      audience: 'billing-service',
      clientId: 'billing-service',
      revocationFailurePolicy: 'closed',
    }),
  };
});

export type BillingConfig = ConfigType<typeof billingConfig>;
