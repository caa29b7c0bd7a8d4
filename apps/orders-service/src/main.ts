import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createAppLogger, fastifyTransport, listen, PinoNestLogger, requestLogging } from '@app/http';
import { AppModule } from './app.module.js';
import { ordersConfig } from './config/orders.config.js';

// Read before the app exists: Fastify takes HTTPS and its trusted proxies when it is created.
const config = ordersConfig();
const logger = createAppLogger({ service: 'orders-service', json: config.jsonLogs, level: config.logLevel });
const http = fastifyTransport(config.transport, requestLogging(logger));
const app = await NestFactory.create<NestFastifyApplication>(AppModule, http.adapter, {
  ...http.options,
  bufferLogs: true,
});
app.useLogger(new PinoNestLogger(logger));
await http.configure(app);
app.enableShutdownHooks();
const { url, redirectUrl } = await listen(app, config);
new Logger('Bootstrap').log({ msg: 'orders-service listening', url, redirectUrl });
