import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { expressTransport, listen } from '@app/http';
import { AppModule } from './app.module.js';
import { authServiceConfig } from './config/auth-service.config.js';
import { configureApp } from './configure-app.js';

/** Field names masked by the logger in case one ever reaches a log call. */
const REDACTED_FIELDS = [
  'password',
  'client_secret',
  'secret',
  'token',
  'access_token',
  'authorization',
  'privateKey',
  'd',
];

async function bootstrap(): Promise<void> {
  // Read before the app exists: HTTPS is fixed when the HTTP server is created.
  const config = authServiceConfig();
  const http = expressTransport(config.transport);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, {
    ...http.options,
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(
    new ConsoleLogger({
      prefix: 'auth-service',
      json: config.nodeEnv === 'production',
      compact: true,
      colors: process.stdout.isTTY === true,
      redact: REDACTED_FIELDS,
    }),
  );
  await http.configure(app);
  configureApp(app);
  app.enableShutdownHooks();
  const { url, redirectUrl } = await listen(app, config);
  new Logger('Bootstrap').log({
    msg: 'auth-service listening',
    url,
    redirectUrl,
    issuer: config.issuer,
    env: config.nodeEnv,
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error({
    msg: 'auth-service failed to start',
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
