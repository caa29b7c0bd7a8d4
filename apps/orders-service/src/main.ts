import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastifyTransport, listen } from '@app/http';
import { AppModule } from './app.module.js';
import { ordersConfig } from './config/orders.config.js';

// Refused tokens are logged at debug level (code and reason); keep them out of the default output.
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log'];

// Read before the app exists: Fastify takes HTTPS and its trusted proxies when it is created.
const config = ordersConfig();
const http = fastifyTransport(config.transport);
const app = await NestFactory.create<NestFastifyApplication>(AppModule, http.adapter, {
  ...http.options,
  bufferLogs: true,
});
app.useLogger(
  new ConsoleLogger({ json: config.jsonLogs, prefix: 'orders-service', compact: true, logLevels: LOG_LEVELS }),
);
await http.configure(app);
app.enableShutdownHooks();
const { url, redirectUrl } = await listen(app, config);
new Logger('Bootstrap').log({ msg: 'orders-service listening', url, redirectUrl });
