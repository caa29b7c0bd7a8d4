import 'reflect-metadata';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { expressTransport, listen } from '@app/http';
import { AppModule } from './app.module.js';
import { billingConfig } from './config/billing.config.js';

// Refused tokens are logged at debug level (code and reason); keep them out of the default output.
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log'];

// Read before the app exists: HTTPS is fixed when the HTTP server is created.
const config = billingConfig();
const http = expressTransport(config.transport);
const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, {
  ...http.options,
  bufferLogs: true,
});
app.useLogger(
  new ConsoleLogger({ json: config.jsonLogs, prefix: 'billing-service', compact: true, logLevels: LOG_LEVELS }),
);
await http.configure(app);
app.enableShutdownHooks();
const { url, redirectUrl } = await listen(app, config);
new Logger('Bootstrap').log({ msg: 'billing-service listening', url, redirectUrl });
