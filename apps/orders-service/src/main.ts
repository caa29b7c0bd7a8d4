import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ordersConfig, type OrdersConfig } from './config/orders.config.js';

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { bufferLogs: true });
const config = app.get<OrdersConfig>(ordersConfig.KEY);
app.useLogger(new ConsoleLogger({ json: config.jsonLogs, context: 'orders-service' }));
app.enableShutdownHooks();
await app.listen(config.port, config.host);
new ConsoleLogger('orders-service').log(`listening on http://${config.host}:${config.port}`);
