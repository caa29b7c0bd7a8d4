import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAppLogger, expressTransport, listen, PinoNestLogger, requestLogging } from '@app/http';
import { AppModule } from './app.module.js';
import { billingConfig } from './config/billing.config.js';

// Read before the app exists: HTTPS is fixed when the HTTP server is created.
const config = billingConfig();
const logger = createAppLogger({ service: 'billing-service', json: config.jsonLogs, level: config.logLevel });
const http = expressTransport(config.transport, requestLogging(logger));
const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, {
  ...http.options,
  bufferLogs: true,
});
app.useLogger(new PinoNestLogger(logger));
await http.configure(app);
app.enableShutdownHooks();
const { url, redirectUrl } = await listen(app, config);
new Logger('Bootstrap').log({ msg: 'billing-service listening', url, redirectUrl });
