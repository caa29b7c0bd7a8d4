import { describe, expect, it } from '@jest/globals';
import { withEnv } from '../../../../test/support/with-env.js';
import { billingConfig } from './billing.config.js';

const production = { NODE_ENV: 'production', KAFKA_BROKERS: 'kafka:9092', BILLING_ISSUER: 'https://auth.example.com' };

describe('billingConfig transport', () => {
  it('refuses to start in production on plain HTTP without trusted proxies, naming the variables', () => {
    expect(() => withEnv({ ...production, BILLING_TRUST_PROXY: undefined }, () => billingConfig())).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringMatching(/BILLING_TLS_CERT_FILE.*BILLING_TLS_KEY_FILE.*BILLING_TRUST_PROXY/),
      }),
    );
  });

  it('starts in production behind trusted proxies, and then refuses tokens not forwarded as https', () => {
    const config = withEnv({ ...production, BILLING_TRUST_PROXY: '10.0.0.0/8' }, () => billingConfig());
    expect(config.transport).toEqual({ trustProxy: ['10.0.0.0/8'], requireHttps: true });
    expect(config.auth.requireHttps).toBe(true);
  });

  it('serves plain HTTP outside production, tokens accepted over it', () => {
    const config = withEnv({ NODE_ENV: 'test', BILLING_TRUST_PROXY: undefined }, () => billingConfig());
    expect(config.transport).toEqual({ requireHttps: false });
    expect(config.auth.requireHttps).toBe(false);
  });
});
