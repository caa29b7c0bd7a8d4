import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FactoryProvider } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { AppModule } from '../app.module.js';
import { AUDIT_EVENTS } from '../audit/audit-log.service.js';
import { toNumericDate } from '../common/clock.js';
import { authServiceConfig, loadAuthServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { RecentCutOffs } from '../revocations/recent-cut-offs.js';
import { RevocationRecorder } from '../revocations/revocation.recorder.js';
import { CHANNEL_WATCH_BACKOFF_MS } from '../storage/channel-watch.js';
import { Database } from '../storage/database.js';
import { databaseProvider } from '../storage/database.provider.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';
import { ObservedDatabase } from '../../../../test/support/observed-database.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const READER = { id: 'orders-reader', secret: 'dev-only-orders-reader-secret' };

const basic = (client: { id: string; secret: string }): string =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

describe('POST /oauth/token client_credentials without database reads (real module, embedded Postgres)', () => {
  let app: NestExpressApplication;
  let db: ObservedDatabase;

  const token = (client = DEMO) =>
    request(app.getHttpServer())
      .post('/oauth/token')
      .set('Authorization', basic(client))
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'orders:read' });

  /** The statements `work` sends to the database. */
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const before = db.statements.length;
    await work();
    return db.statements.slice(before);
  }

  beforeAll(async () => {
    const config = loadAuthServiceConfig({ NODE_ENV: 'test', AUTH_OUTBOX_RELAY_ENABLED: 'false' });
    const openDatabase = (databaseProvider as FactoryProvider<Promise<Database>>).useFactory;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .overrideProvider(Database)
      .useFactory({
        factory: async (c: AuthServiceConfig) => new ObservedDatabase(await openDatabase(c)),
        inject: [authServiceConfig.KEY],
      })
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: new CapturingLogger() });
    configureApp(app);
    await app.init();
    db = app.get(Database) as ObservedDatabase;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('issues a warm client_credentials token without a single statement', async () => {
    expect((await token()).status).toBe(200);
    const statements = await statementsOf(async () => {
      for (let n = 0; n < 5; n += 1) expect((await token()).status).toBe(200);
    });
    expect(statements).toEqual([]);
  });

  it('refuses a client disabled by plain SQL within a bounded wait', async () => {
    expect((await token(READER)).status).toBe(200);
    await db.query('UPDATE clients SET disabled = true WHERE id = $1', [READER.id]);
    try {
      const refused = await waitFor('the disabled client to be refused', async () => {
        const response = await token(READER);
        return response.status === 200 ? undefined : response;
      });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    } finally {
      await db.query('UPDATE clients SET disabled = false WHERE id = $1', [READER.id]);
    }
  });

  it("counts this instance's client cut-off before it commits: the next token is signed after its second", async () => {
    const cutOffs = app.get(RecentCutOffs);
    const target = { type: 'client', value: DEMO.id } as const;
    const revokedAt = toNumericDate(Date.now());
    await db.transaction(async (tx) => {
      const recorded = await app
        .get(RevocationRecorder)
        .record(
          tx,
          { target, revokedAt, expiresAt: revokedAt + 600, reason: 'spec' },
          { type: AUDIT_EVENTS.clientRevoked, actor: 'spec', details: { clientId: DEMO.id } },
        );
      expect(recorded?.revokedAt).toBe(revokedAt);
      // Not committed yet, so no notification can have told it.
      expect(cutOffs.latest([target], revokedAt)).toBe(revokedAt);
    });
    let issued: request.Response | undefined;
    const statements = await statementsOf(async () => (issued = await token()));
    expect(issued?.status).toBe(200);
    expect(decodeJwt(String(issued?.body.access_token)).iat).toBeGreaterThan(revokedAt);
    expect(statements.filter((text) => /revocations/.test(text))).toEqual([]);
  });

  it('reads clients and revocations again while LISTEN is lost, and stops once it is back', async () => {
    expect((await token()).status).toBe(200);
    db.refuseListen(new Error('no LISTEN (spec)'));
    db.loseListeners();
    try {
      const statements = await statementsOf(async () => expect((await token()).status).toBe(200));
      expect(statements.some((text) => /FROM clients/.test(text))).toBe(true);
      expect(statements.some((text) => /FROM revocations/.test(text))).toBe(true);
    } finally {
      db.refuseListen(undefined);
    }
    await waitFor(
      'tokens without statements again',
      async () => {
        await token();
        return (await statementsOf(() => token())).length === 0 ? true : undefined;
      },
      { timeoutMs: CHANNEL_WATCH_BACKOFF_MS.max * 5 },
    );
  });
});
