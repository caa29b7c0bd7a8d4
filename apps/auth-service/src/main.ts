import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { authServiceConfig, type AuthServiceConfig } from './config/auth-service.config.js';
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
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  const config = app.get<AuthServiceConfig>(authServiceConfig.KEY);
  app.useLogger(
    new ConsoleLogger({
      prefix: 'auth-service',
      json: config.nodeEnv === 'production',
      compact: true,
      colors: process.stdout.isTTY === true,
      redact: REDACTED_FIELDS,
    }),
  );
  configureApp(app);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log({
    msg: 'auth-service listening',
    url: await app.getUrl(),
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
