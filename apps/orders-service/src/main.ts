import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ordersConfig, type OrdersConfig } from './config/orders.config.js';

// Refused tokens are logged at debug level (code and reason); keep them out of the default output.
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log'];

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { bufferLogs: true });
const config = app.get<OrdersConfig>(ordersConfig.KEY);
app.useLogger(
  new ConsoleLogger({ json: config.jsonLogs, prefix: 'orders-service', compact: true, logLevels: LOG_LEVELS }),
);
app.enableShutdownHooks();
await app.listen(config.port, config.host);
new Logger('Bootstrap').log(`orders-service listening on http://${config.host}:${config.port}`);
