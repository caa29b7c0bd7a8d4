import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { billingConfig, type BillingConfig } from './config/billing.config.js';

// Refused tokens are logged at debug level (code and reason); keep them out of the default output.
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log'];

const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
const config = app.get<BillingConfig>(billingConfig.KEY);
app.useLogger(
  new ConsoleLogger({ json: config.jsonLogs, prefix: 'billing-service', compact: true, logLevels: LOG_LEVELS }),
);
app.enableShutdownHooks();
await app.listen(config.port, config.host);
new Logger('Bootstrap').log(`billing-service listening on http://${config.host}:${config.port}`);
