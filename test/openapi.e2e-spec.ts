import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAuthService, uniqueKafkaSetup, type RunningService } from './support/services.js';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  parameters?: { name: string; in: string }[];
}
interface Schema {
  $ref?: string;
  required?: string[];
  properties?: Record<string, { enum?: string[]; type?: string }>;
}
interface OpenApiDocument {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, Schema> };
}

let auth: RunningService & { config: { issuer: string } };
let document: OpenApiDocument;

beforeAll(async () => {
  auth = await startAuthService(uniqueKafkaSetup(process.env.KAFKA_BROKERS!));
  const answer = await fetch(`${auth.url}/docs-json`);
  expect(answer.status).toBe(200);
  document = (await answer.json()) as OpenApiDocument;
});

afterAll(async () => {
  await auth?.close();
});

const FORM = 'application/x-www-form-urlencoded';

describe('the OpenAPI document of the auth service (/docs-json)', () => {
  it('is OpenAPI 3 for this issuer, with the client_secret_basic and bearer schemes', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.servers).toEqual([{ url: auth.config.issuer }]);
    expect(document.components.securitySchemes).toMatchObject({
      client_secret_basic: { type: 'http', scheme: 'basic' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
  });

  it.each([
    ['/oauth/token', ['grant_type'], 'access_token'],
    ['/oauth/revoke', ['token'], undefined],
    ['/oauth/introspect', ['token'], 'active'],
  ])(
    'documents POST %s with its form body, its answer and the RFC 6749 error shapes',
    (path, required, answerField) => {
      const operation = document.paths[path]!.post!;
      expect(operation.tags).toEqual(['oauth']);
      expect(operation.security).toEqual([{ client_secret_basic: [] }]);
      expect(Object.keys(operation.requestBody!.content)).toEqual([FORM]);
      expect(operation.requestBody!.content[FORM]!.schema.required).toEqual(required);
      if (answerField !== undefined) {
        expect(Object.keys(operation.responses['200']!.content!['application/json']!.schema.properties!)).toContain(
          answerField,
        );
      }
      for (const status of ['400', '401', '429', '503']) {
        const error = operation.responses[status]!.content!['application/json']!.schema;
        expect(error.required).toEqual(['error']);
        expect(error.properties!.error!.enum).toEqual(expect.arrayContaining(['invalid_request', 'invalid_client']));
      }
    },
  );

  it('lists the three grant types of the token endpoint', () => {
    const form = document.paths['/oauth/token']!.post!.requestBody!.content[FORM]!.schema;
    expect(form.properties!.grant_type!.enum).toEqual(['client_credentials', 'password', 'refresh_token']);
  });

  it('documents every admin route under the bearer scheme, with JSON bodies and the admin error shape', () => {
    const admin = Object.entries(document.paths).filter(([path]) => path.startsWith('/admin/'));
    expect(admin.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        '/admin/keys',
        '/admin/keys/rotate',
        '/admin/keys/{kid}/revoke',
        '/admin/audit',
        '/admin/revocations',
        '/admin/users',
        '/admin/users/{id}',
      ]),
    );
    for (const [, operations] of admin) {
      for (const operation of Object.values(operations)) {
        expect(operation.tags).toEqual(['admin']);
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(operation.responses['400']!.content!['application/json']!.schema.required).toEqual([
          'error',
          'errorCode',
          'message',
        ]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    const revoke = document.paths['/admin/keys/{kid}/revoke']!.post!;
    expect(Object.keys(revoke.requestBody!.content)).toEqual(['application/json']);
    const { $ref } = revoke.requestBody!.content['application/json']!.schema;
    expect(document.components.schemas[$ref!.split('/').at(-1)!]!.required).toEqual(['reason']);
    expect(document.paths['/admin/audit']!.get!.parameters!.map(({ name, in: where }) => `${where}:${name}`)).toEqual(
      expect.arrayContaining(['query:type', 'query:since', 'query:limit']),
    );
  });

  it('documents discovery and the JWKS', () => {
    expect(document.paths['/.well-known/oauth-authorization-server']!.get!.tags).toEqual(['discovery']);
    expect(document.paths['/.well-known/jwks.json']!.get!.tags).toEqual(['discovery']);
  });
});

describe('/docs', () => {
  it('serves the Swagger UI page, its script from this origin, under a CSP that lets it load only its own files', async () => {
    const answer = await fetch(`${auth.url}/docs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const policy = answer.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    const elsewhere = await fetch(`${auth.url}/.well-known/jwks.json`);
    expect(elsewhere.headers.get('content-security-policy')).not.toContain('script-src');
    const page = await answer.text();
    const init = /<script src="\.?\/?([^"]*swagger-ui-init\.js)"/.exec(page);
    expect(init).not.toBeNull();
    const script = await fetch(`${auth.url}/docs/${init![1]!.replace(/^docs\//, '')}`);
    expect(script.status).toBe(200);
  });
});
