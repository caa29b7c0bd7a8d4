import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { billingConfig, type BillingConfig } from './config/billing.config.js';

const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
const config = app.get<BillingConfig>(billingConfig.KEY);
app.useLogger(new ConsoleLogger({ json: config.jsonLogs, context: 'billing-service' }));
app.enableShutdownHooks();
await app.listen(config.port, config.host);
new ConsoleLogger('billing-service').log(`listening on http://${config.host}:${config.port}`);
