import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createAppLogger } from './app-logger.js';
import { PinoNestLogger } from './pino-nest.logger.js';
import { runInRequestContext } from './request-context.js';

/** A destination that keeps every line written to it. */
function lines(): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, written };
}

function jsonLogger(level: 'info' | 'debug' = 'info') {
  const { stream, written } = lines();
  const pino = createAppLogger({ service: 'orders-service', json: true, level, destination: stream });
  return { nest: new PinoNestLogger(pino), pino, records: () => written.map((l) => JSON.parse(l)) };
}

describe('createAppLogger + PinoNestLogger', () => {
  it('writes one JSON object per line: level name, ISO time, service, Nest context, msg and the structured fields', () => {
    const { nest, records } = jsonLogger();
    nest.log({ msg: 'orders-service listening', url: 'http://127.0.0.1:3001' }, 'Bootstrap');
    const [record] = records();
    expect(record).toMatchObject({
      level: 'info',
      service: 'orders-service',
      context: 'Bootstrap',
      msg: 'orders-service listening',
      url: 'http://127.0.0.1:3001',
    });
    expect(new Date(record.time).toISOString()).toBe(record.time);
  });

  it('maps Nest levels to pino levels and drops those below the configured one', () => {
    const { nest, records } = jsonLogger('info');
    nest.debug('hidden', 'Ctx');
    nest.verbose('hidden', 'Ctx');
    nest.warn('careful', 'Ctx');
    nest.error('broken', 'Error: broken\n    at x', 'Ctx');
    nest.fatal('gone', 'Ctx');
    expect(records().map(({ level, msg }) => [level, msg])).toEqual([
      ['warn', 'careful'],
      ['error', 'broken'],
      ['fatal', 'gone'],
    ]);
    expect(records()[1]).toMatchObject({ context: 'Ctx', stack: 'Error: broken\n    at x' });
  });

  it('serialises an Error as err (type, message, stack), not as an object dump', () => {
    const { nest, records } = jsonLogger();
    nest.error(new TypeError('bad option'), 'Bootstrap');
    expect(records()[0]).toMatchObject({ msg: 'bad option', err: { type: 'TypeError', message: 'bad option' } });
  });

  it('redacts credentials by configuration, at the top level and one level down', () => {
    const { nest, records } = jsonLogger();
    nest.warn(
      {
        msg: 'mistake',
        password: 'hunter2-password',
        client_secret: 'the-client-secret',
        token: 'eyJhbGciOi.the.token',
        request: { authorization: 'Bearer eyJ.secret.jwt', refresh_token: 'opaque-refresh' },
        jwk: { kty: 'EC', d: 'private-scalar' },
        jti: 'kept',
      },
      'Ctx',
    );
    const line = JSON.stringify(records()[0]);
    for (const secret of [
      'hunter2',
      'the-client-secret',
      'the.token',
      'secret.jwt',
      'opaque-refresh',
      'private-scalar',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(records()[0]).toMatchObject({ password: '[REDACTED]', jwk: { kty: 'EC', d: '[REDACTED]' }, jti: 'kept' });
  });

  it('adds the current request id to every line written while serving a request', () => {
    const { nest, records: inRequest } = jsonLogger();
    runInRequestContext('req-42', () => nest.log({ msg: 'inside' }, 'Orders'));
    nest.log({ msg: 'outside' }, 'Orders');
    expect(inRequest().map((r) => [r.msg, r.reqId])).toEqual([
      ['inside', 'req-42'],
      ['outside', undefined],
    ]);
  });

  it('is what a Nest Logger writes to once the app uses it', () => {
    const { nest, records } = jsonLogger();
    Logger.overrideLogger(nest);
    try {
      new Logger('Invoices').log({ msg: 'invoice sent', invoiceId: 'inv-1' });
    } finally {
      Logger.overrideLogger(false);
    }
    expect(records()).toEqual([
      expect.objectContaining({ context: 'Invoices', msg: 'invoice sent', invoiceId: 'inv-1' }),
    ]);
  });

  it('writes readable single lines in development, with the service and context, and still redacts', () => {
    const { stream, written } = lines();
    const dev = new PinoNestLogger(createAppLogger({ service: 'billing-service', json: false, destination: stream }));
    dev.log({ msg: 'invoice sent', invoiceId: 'inv-1', password: 'hunter2-password' }, 'Invoices');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[billing-service\] Invoices invoice sent /);
    expect(written[0]).toContain('"invoiceId":"inv-1"');
    expect(written[0]).not.toContain('hunter2');
    expect(written[0]).not.toMatch(/Object\(\d+\)/);
  });
});
