import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';

/** The security scheme names the endpoints' documentation refers to. */
export const OPENAPI_SECURITY = { clientSecretBasic: 'client_secret_basic', bearer: 'bearer' } as const;

// Every other answer carries `default-src 'none'`: the Swagger UI page loads its scripts, styles and the document
// from this origin, and its template has an inline <style>.
const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'";

/**
 * The auth service's OpenAPI document (DESIGN "Operability"): the UI at `/docs`, the JSON at `/docs-json`, built
 * from the controllers' decorators: the OAuth endpoints with their form bodies and RFC 6749 error shapes, the admin
 * API with its bearer token. Public, like the discovery document it complements; the UI's pages get a
 * Content-Security-Policy that lets them load their own scripts and styles.
 *
 * @example
 * setupOpenApi(app); // then GET /docs-json
 */
export function setupOpenApi(app: NestExpressApplication): void {
  const { issuer } = app.get<AuthServiceConfig>(authServiceConfig.KEY);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('auth-service')
      .setDescription(
        'OAuth 2.0 token, revocation and introspection endpoints (RFC 6749, 7009, 7662), discovery (RFC 8414), ' +
          'JWKS (RFC 7517) and the admin API (bearer token with scope `auth:admin`, audience `auth-service`).',
      )
      .setVersion('1')
      .addServer(issuer)
      .addBasicAuth({ type: 'http', scheme: 'basic' }, OPENAPI_SECURITY.clientSecretBasic)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, OPENAPI_SECURITY.bearer)
      .build(),
    // Tagged by purpose (oauth, discovery, admin) on the routes, not by controller class name.
    { autoTagControllers: false },
  );
  app.use(
    '/docs',
    (_request: unknown, response: { setHeader(name: string, value: string): void }, next: () => void) => {
      response.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
      next();
    },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
