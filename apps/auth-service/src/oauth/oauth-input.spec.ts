import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import request from 'supertest';
import { AppModule } from '../app.module.js';
import { authServiceConfig, loadAuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { ADVISORY_LOCKS, Database, SCHEMA_LOCK_SPACE } from '../storage/database.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';

const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const ALICE = { username: 'alice', password: 'dev-only-alice-password' };

/** Basic credentials exactly as given (no percent-encoding), so a raw control character can be sent. */
const rawBasic = (credentials: string): string => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const basic = rawBasic(`${DEMO.id}:${DEMO.secret}`);
const databaseUrl = process.env['DATABASE_URL'];
/** Locks held by another session exist on the real Postgres only. */
const onPostgres = databaseUrl === undefined || databaseUrl === '' ? it.skip : it;

/**
 * Bad input at the OAuth endpoints, through the real module. On the real Postgres when the run provides one
 * (DATABASE_URL, as `npm test` and CI do: it is Postgres that refused a NUL with a 500), else on the embedded one.
 */
describe('OAuth endpoints and bad input', () => {
  let app: NestExpressApplication;
  let db: Database;
  const logger = new CapturingLogger();
  const schema = `oauth_input_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      AUTH_DATABASE_SCHEMA: schema,
      AUTH_DATABASE_LOCK_TIMEOUT_MS: '200',
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
    configureApp(app);
    await app.init();
    db = app.get(Database);
  });

  afterAll(async () => {
    if (db?.kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await app?.close();
  });

  /**
   * Runs `work` with the credential tables renamed away: a request that reaches the database now fails (500), so
   * a 4xx proves it was refused while parsing.
   */
  async function withoutCredentialTables(work: () => Promise<void>): Promise<void> {
    await db.query('ALTER TABLE clients RENAME TO clients_away');
    await db.query('ALTER TABLE users RENAME TO users_away');
    try {
      await work();
    } finally {
      await db.query('ALTER TABLE clients_away RENAME TO clients');
      await db.query('ALTER TABLE users_away RENAME TO users');
    }
  }

  describe('control characters', () => {
    it.each([
      [
        'a NUL in client_id (post)',
        {},
        { client_id: 'demo-app\u0000', client_secret: DEMO.secret },
        401,
        'invalid_client',
      ],
      ['a NUL in client_secret (post)', {}, { client_id: DEMO.id, client_secret: '\u0000' }, 401, 'invalid_client'],
      ['a LF in client_id (post)', {}, { client_id: 'demo\napp', client_secret: DEMO.secret }, 401, 'invalid_client'],
      ['a NUL in the Basic id', { Authorization: rawBasic(`demo\u0000app:${DEMO.secret}`) }, {}, 401, 'invalid_client'],
      ['a %00 in the Basic id', { Authorization: rawBasic(`demo%00app:${DEMO.secret}`) }, {}, 401, 'invalid_client'],
      ['a NUL in the Basic secret', { Authorization: rawBasic(`${DEMO.id}:x\u0000`) }, {}, 401, 'invalid_client'],
      [
        'a NUL in username',
        { Authorization: basic },
        { grant_type: 'password', username: 'alice\u0000', password: ALICE.password },
        400,
        'invalid_request',
      ],
      [
        'a NUL in password',
        { Authorization: basic },
        { grant_type: 'password', username: ALICE.username, password: '\u0000' },
        400,
        'invalid_request',
      ],
      ['an ESC in scope', { Authorization: basic }, { scope: 'orders:read\u001b' }, 400, 'invalid_request'],
    ] as [string, Record<string, string>, Record<string, string>, number, string][])(
      'refuses %s at the token endpoint before any lookup',
      async (_name, headers, form, status, error) => {
        const from = logger.lines.length;
        await withoutCredentialTables(async () => {
          const response = await http()
            .post('/oauth/token')
            .set(headers)
            .type('form')
            .send({ grant_type: 'client_credentials', ...form });
          expect(response.status).toBe(status);
          expect(response.body.error).toBe(error);
          if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Basic realm=/);
        });
        const logged = logger.lines.slice(from).join('\n');
        expect(logged).not.toContain('server_error');
        expect(logged).not.toContain('22021'); // Postgres: invalid byte sequence (a NUL in text)
      },
    );

    it.each(['/oauth/revoke', '/oauth/introspect'])(
      'refuses a NUL in the token or the client id at %s before any lookup',
      async (path) => {
        await withoutCredentialTables(async () => {
          const token = await http().post(path).set('Authorization', basic).type('form').send({ token: 'a\u0000b' });
          expect([token.status, token.body.error]).toEqual([400, 'invalid_request']);
          const client = await http()
            .post(path)
            .type('form')
            .send({ token: 'x', client_id: '\u0000', client_secret: DEMO.secret });
          expect([client.status, client.body.error]).toEqual([401, 'invalid_client']);
        });
      },
    );

    it('still looks up printable Unicode credentials (an unknown user is invalid_grant)', async () => {
      const response = await http()
        .post('/oauth/token')
        .set('Authorization', basic)
        .type('form')
        .send({ grant_type: 'password', username: 'élise-パ', password: 'mot de passe 😀' });
      expect([response.status, response.body.error]).toEqual([400, 'invalid_grant']);
    });
  });

  describe('bodies other than forms', () => {
    const marker = 'zq7k';

    it('leaves a JSON body unread: invalid_request, and no fragment of it in the log', async () => {
      const from = logger.lines.length;
      // Malformed, so that a JSON parser would fail with a message quoting the body.
      const response = await http()
        .post('/oauth/token')
        .set('Authorization', basic)
        .set('Content-Type', 'application/json')
        .send(`{"client_secret": ${marker}}`);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
      expect(response.headers['cache-control']).toBe('no-store');
      const logged = logger.lines.slice(from);
      expect(logged.some((line) => line.includes('oauth request refused'))).toBe(true);
      expect(logged.join('\n')).not.toContain(marker);
    });

    it('logs a form the parser refuses by its type, not by its message', async () => {
      const from = logger.lines.length;
      const response = await http()
        .post('/oauth/token')
        .type('form')
        .send(`grant_type=client_credentials&client_secret=${marker}&pad=${'x'.repeat(20_000)}`);
      expect(response.body.error).toBe('invalid_request');
      const logged = logger.lines.slice(from).join('\n');
      expect(logged).toContain('entity.too.large');
      expect(logged).not.toContain(marker);
    });

    it('logs an unexpected failure with its type and frames, not its message', async () => {
      const from = logger.lines.length;
      await db.query('ALTER TABLE clients RENAME TO clients_away');
      try {
        // A client no request has named yet: the demo client's row is kept in memory (ClientDirectory), this one
        // is read, from a table that is gone.
        const unread = rawBasic(`never-read-client:${DEMO.secret}`);
        const response = await http().post('/oauth/token').set('Authorization', unread).type('form').send({
          grant_type: 'client_credentials',
        });
        expect([response.status, response.body]).toEqual([500, { error: 'server_error' }]);
      } finally {
        await db.query('ALTER TABLE clients_away RENAME TO clients');
      }
      const logged = logger.lines.slice(from).join('\n');
      expect(logged).toContain('42P01'); // undefined_table
      expect(logged).toMatch(/"at":\["at /);
      expect(logged).not.toContain('does not exist');
    });
  });

  describe('a database that cannot answer in time', () => {
    onPostgres(
      'answers a revocation stuck behind the outbox writer lock with 503 and Retry-After, then revokes',
      async () => {
        const issued = await http()
          .post('/oauth/token')
          .set('Authorization', basic)
          .type('form')
          .send({ grant_type: 'client_credentials', scope: 'orders:read' })
          .expect(200);
        const revoke = () =>
          http()
            .post('/oauth/revoke')
            .set('Authorization', basic)
            .type('form')
            .send({ token: issued.body.access_token });
        // A writer of this service's schema (the writer lock is scoped to the schema).
        const stuckWriter = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
        await stuckWriter.connect();
        const from = logger.lines.length;
        try {
          await stuckWriter.query('BEGIN');
          await stuckWriter.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_SPACE}, $1)`, [
            ADVISORY_LOCKS.outboxWriters,
          ]);
          const refused = await revoke().timeout(5_000);
          expect(refused.status).toBe(503);
          expect(refused.body.error).toBe('temporarily_unavailable');
          expect(refused.headers['retry-after']).toBe('1');
          expect(refused.headers['cache-control']).toBe('no-store');
        } finally {
          await stuckWriter.query('ROLLBACK');
          await stuckWriter.end();
        }
        expect(logger.lines.slice(from).join('\n')).toContain('ERR_DATABASE_LOCK_TIMEOUT');
        expect(await db.query("SELECT 1 FROM revocations WHERE target_type = 'jti'")).toEqual([]);
        await revoke().expect(200);
        expect(await db.query("SELECT 1 FROM revocations WHERE target_type = 'jti'")).toHaveLength(1);
      },
    );
  });
});
