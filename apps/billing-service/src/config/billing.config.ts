import { registerAs } from '@nestjs/config';
import { resourceServerConfigFromEnv, type ResourceServerConfig } from '@app/auth';

/**
 * billing-service configuration: the only reader of `process.env` in this app. `BILLING_HOST`,
 * `BILLING_PORT` (3002), `NODE_ENV` and the `BILLING_*` auth variables (see `resourceServerConfigFromEnv`).
 * Billing is fail-closed: while its revocation index is not caught up it refuses every token (503).
 */
export const billingConfig = registerAs('billing', () =>
  resourceServerConfigFromEnv(process.env, 'BILLING', {
    port: 3002,
    audience: 'billing-service',
    clientId: 'billing-service',
    revocationFailurePolicy: 'closed',
  }),
);

export type BillingConfig = ResourceServerConfig;
