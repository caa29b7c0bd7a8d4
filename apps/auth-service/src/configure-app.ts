import type { NestExpressApplication } from '@nestjs/platform-express';

/** Largest accepted request body (forms carry a token at most). */
const MAX_BODY_SIZE = '16kb';

/**
 * Global HTTP setup shared by `main.ts` and tests: form (RFC 6749 `application/x-www-form-urlencoded`, flat,
 * repeated keys become arrays) and JSON body parsers with a small limit, no `X-Powered-By`.
 *
 * @example
 * const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
 * configureApp(app);
 * await app.init();
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useBodyParser('urlencoded', { extended: false, limit: MAX_BODY_SIZE });
  app.useBodyParser('json', { limit: MAX_BODY_SIZE });
  app.disable('x-powered-by');
  return app;
}
