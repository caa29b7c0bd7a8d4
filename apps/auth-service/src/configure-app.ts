import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mediaTypeOf } from './common/media-type.js';
import { setupOpenApi } from './openapi/openapi.setup.js';

/** Largest accepted request body (forms carry a token at most). */
const MAX_BODY_SIZE = '16kb';

/**
 * Where each body format is read: forms at the OAuth endpoints (RFC 6749 §3.2), JSON at the admin API (DESIGN
 * "Admin API"). Any other body is left unread, so it can neither be parsed where nothing asked for it nor reach a
 * log through a parser error. Case-insensitive, as Express routes are.
 */
const BODY_ROUTES = {
  urlencoded: { path: /^\/oauth\//i, mediaType: 'application/x-www-form-urlencoded' },
  json: { path: /^\/admin(?:[/?]|$)/i, mediaType: 'application/json' },
} as const;

function readsBody(route: { path: RegExp; mediaType: string }): (request: IncomingMessage) => boolean {
  return (request) =>
    route.path.test(request.url ?? '') && mediaTypeOf(request.headers['content-type']) === route.mediaType;
}

/**
 * Global HTTP setup shared by `main.ts` and tests: body parsers with a small limit, each only where its format is
 * expected (form: flat, repeated keys become arrays; JSON), no `X-Powered-By`, the OpenAPI document at `/docs`.
 *
 * @example
 * const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
 * configureApp(app);
 * await app.init();
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useBodyParser('urlencoded', { extended: false, limit: MAX_BODY_SIZE, type: readsBody(BODY_ROUTES.urlencoded) });
  app.useBodyParser('json', { limit: MAX_BODY_SIZE, type: readsBody(BODY_ROUTES.json) });
  app.disable('x-powered-by');
  setupOpenApi(app);
  return app;
}
