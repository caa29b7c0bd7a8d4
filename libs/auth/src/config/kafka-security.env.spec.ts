import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { kafkaSecurityFromEnv } from './kafka-security.env.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PASSWORD = 'scram-password-that-must-never-show';
const dir = mkdtempSync(join(tmpdir(), 'kafka-security-env-'));
const file = (name: string, content?: string): string => {
  const path = join(dir, name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
};
const files = {
  ca: file('ca.pem', CA_PEM),
  password: file('kafka-password', `${PASSWORD}\n`),
  empty: file('empty', '\n'),
  notPem: file('not-pem', 'hello'),
  missing: file('missing'),
};
const dev = { production: false };
const scram = { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'orders-service' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kafkaSecurityFromEnv', () => {
  it.each([
    ['plain TCP outside production', {}, false, {}],
    ['TLS with the system CAs in production', {}, true, { ssl: true }],
    ['plain TCP in production only when asked', { KAFKA_SSL: 'false' }, true, {}],
    ['TLS outside production when asked', { KAFKA_SSL: 'true' }, false, { ssl: true }],
    ['TLS trusting the CA file', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: files.ca }, false, { ssl: { ca: [CA_PEM] } }],
    [
      'SCRAM with the password from the environment',
      { ...scram, KAFKA_SASL_PASSWORD: PASSWORD },
      false,
      { sasl: { mechanism: 'scram-sha-256', username: 'orders-service', password: PASSWORD } },
    ],
    [
      'SCRAM-SHA-512 spelt as Kafka does, the password from a file (trailing newline dropped)',
      {
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'orders-service',
        KAFKA_SASL_PASSWORD_FILE: files.password,
      },
      true,
      { ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'orders-service', password: PASSWORD } },
    ],
    [
      'PLAIN over TLS',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD },
      true,
      { ssl: true, sasl: { mechanism: 'plain', username: 'u', password: PASSWORD } },
    ],
  ])('%s', (_case, env, production, expected) => {
    expect(kafkaSecurityFromEnv(env, { production })).toEqual(expected);
  });

  it.each([
    ['KAFKA_SSL', { KAFKA_SSL: 'yes' }],
    ['KAFKA_SSL_CA_FILE', { KAFKA_SSL_CA_FILE: files.ca }],
    ['KAFKA_SSL_CA_FILE', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: files.missing }],
    ['KAFKA_SSL_CA_FILE', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: files.notPem }],
    ['KAFKA_SASL_MECHANISM', { ...scram, KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: PASSWORD }],
    ['KAFKA_SASL_MECHANISM', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD }],
    [
      'KAFKA_SASL_MECHANISM',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: PASSWORD },
    ],
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: PASSWORD }],
    ['KAFKA_SASL_PASSWORD', scram],
    ['KAFKA_SASL_PASSWORD', { ...scram, KAFKA_SASL_PASSWORD_FILE: files.empty }],
    ['KAFKA_SASL_PASSWORD_FILE', { ...scram, KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SASL_PASSWORD_FILE: files.password }],
    ['KAFKA_SASL_PASSWORD_FILE', { ...scram, KAFKA_SASL_PASSWORD_FILE: files.missing }],
  ])('names %s in a TypeError that never holds the password', (variable, env) => {
    let thrown: unknown;
    try {
      kafkaSecurityFromEnv(env, dev);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as TypeError).message).toContain(variable);
    expect((thrown as TypeError).message).not.toContain(PASSWORD);
  });
});
