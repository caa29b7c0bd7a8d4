import { describe, expect, it } from '@jest/globals';
import { withEnv } from '../../../../test/support/with-env.js';
import { ordersConfig } from './orders.config.js';

const production = { NODE_ENV: 'production', KAFKA_BROKERS: 'kafka:9092', ORDERS_ISSUER: 'https://auth.example.com' };

describe('ordersConfig transport', () => {
  it('refuses to start in production on plain HTTP without trusted proxies, naming the variables', () => {
    expect(() => withEnv({ ...production, ORDERS_TRUST_PROXY: undefined }, () => ordersConfig())).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringMatching(/ORDERS_TLS_CERT_FILE.*ORDERS_TLS_KEY_FILE.*ORDERS_TRUST_PROXY/),
      }),
    );
  });

  it('starts in production behind trusted proxies, and then refuses tokens not forwarded as https', () => {
    const config = withEnv({ ...production, ORDERS_TRUST_PROXY: '10.0.0.0/8' }, () => ordersConfig());
    expect(config.transport).toEqual({ trustProxy: ['10.0.0.0/8'], requireHttps: true });
    expect(config.auth.requireHttps).toBe(true);
  });

  it('serves plain HTTP outside production, tokens accepted over it', () => {
    const config = withEnv({ NODE_ENV: 'test', ORDERS_TRUST_PROXY: undefined }, () => ordersConfig());
    expect(config.transport).toEqual({ requireHttps: false });
    expect(config.auth.requireHttps).toBe(false);
  });
});
