import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createAppLogger,
  expressTransport,
  fastifyTransport,
  listen,
  PinoNestLogger,
  requestLogging,
  type HttpTransport,
} from '@app/http';
import { guardsBenchConfig } from './guards.config.js';
import { GuardsBenchModule } from './guards-bench.module.js';
import { fetchIssuerKeys } from './issuer-keys.js';

// Built just for bench/guard.bench.mjs: started the way orders (Fastify) or billing (Express) start.
const config = guardsBenchConfig();
const logger = createAppLogger({
  service: `guards-bench-${config.adapter}`,
  json: config.jsonLogs,
  level: config.logLevel,
});
const keys = await fetchIssuerKeys(config.auth.issuer);
const http: HttpTransport =
  config.adapter === 'fastify'
    ? fastifyTransport(config.transport, requestLogging(logger))
    : expressTransport(config.transport, requestLogging(logger));
const app = await NestFactory.create(GuardsBenchModule.forRoot(config, keys), http.adapter, {
  ...http.options,
  bufferLogs: true,
});
app.useLogger(new PinoNestLogger(logger));
await http.configure(app);
app.enableShutdownHooks();
const { url } = await listen(app, config);
new Logger('Bootstrap').log({ msg: 'guards bench listening', url, adapter: config.adapter });
