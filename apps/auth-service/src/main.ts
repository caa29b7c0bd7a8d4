import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAppLogger, expressTransport, listen, PinoNestLogger, requestLogging } from '@app/http';
import { AppModule } from './app.module.js';
import { authServiceConfig } from './config/auth-service.config.js';
import { configureApp } from './configure-app.js';

async function bootstrap(): Promise<void> {
  // Read before the app exists: HTTPS is fixed when the HTTP server is created.
  const config = authServiceConfig();
  const logger = createAppLogger({
    service: 'auth-service',
    json: config.nodeEnv === 'production',
    level: config.logLevel,
  });
  const http = expressTransport(config.transport, requestLogging(logger));
  const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, {
    ...http.options,
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new PinoNestLogger(logger));
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
