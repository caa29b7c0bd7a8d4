import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Writable } from 'node:stream';
import { createAppLogger } from './app-logger.js';
import { expressTransport } from './express.transport.js';
import { fastifyTransport } from './fastify.transport.js';
import { PinoNestLogger } from './pino-nest.logger.js';
import { requestLogging } from './request-logging.js';

@Controller('orders')
class OrdersController {
  private readonly logger = new Logger('Orders');

  @Get()
  async list(): Promise<{ orders: [] }> {
    // Logged after an await: the request id must survive the async hop.
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.log({ msg: 'listing orders' });
    return { orders: [] };
  }
}

@Module({ controllers: [OrdersController] })
class SampleModule {}

const transports = { express: expressTransport, fastify: fastifyTransport };

describe.each(Object.keys(transports) as (keyof typeof transports)[])('requestLogging on %s', (name) => {
  let app: INestApplication | undefined;
  let records: Record<string, unknown>[];

  async function start(): Promise<string> {
    records = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) records.push(JSON.parse(line));
        done();
      },
    });
    const logger = createAppLogger({ service: 'sample', json: true, destination });
    const http = transports[name]({ requireHttps: false }, requestLogging(logger));
    app = await NestFactory.create(SampleModule, http.adapter, { logger: false });
    app.useLogger(new PinoNestLogger(logger));
    await http.configure(app as never);
    await app.listen(0, '127.0.0.1');
    return `${await app.getUrl()}`.replace('[::1]', '127.0.0.1');
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers a new X-Request-Id, carries it on the handler’s log lines and logs the answer without query or credentials', async () => {
    const url = await start();
    const response = await fetch(`${url}/orders?access_token=query-secret`, {
      headers: { authorization: 'Bearer header.secret.token' },
    });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const handlerLine = records.find((r) => r.msg === 'listing orders');
    expect(handlerLine).toMatchObject({ context: 'Orders', reqId: id });
    const answerLine = records.find((r) => r.msg === 'request completed');
    expect(answerLine).toMatchObject({ reqId: id, req: { method: 'GET', path: '/orders' }, res: { statusCode: 200 } });
    const all = JSON.stringify(records);
    expect(all).not.toContain('query-secret');
    expect(all).not.toContain('header.secret.token');
  });

  it('keeps a caller’s plain X-Request-Id and replaces one that is not a plain token', async () => {
    const url = await start();
    const kept = await fetch(`${url}/orders`, { headers: { 'x-request-id': 'edge-7f3a:1' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a:1');
    const replaced = await fetch(`${url}/orders`, { headers: { 'x-request-id': 'a b<script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(records)).not.toContain('<script>');
  });
});
