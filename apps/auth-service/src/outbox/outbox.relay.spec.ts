import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../app.module.js';
import { authServiceConfig, loadAuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { Database } from '../storage/database.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';
import { waitFor } from '../../../../test/support/wait-for.js';

/** How long a revocation waits for the broker's acknowledgement before answering anyway. */
const ACK_WAIT_MS = 300;
const basic = `Basic ${Buffer.from('demo-app:dev-only-demo-app-secret').toString('base64')}`;

// The happy path against a real broker is covered by the cross-service e2e tests in test/; here Kafka is
// unreachable (nothing listens on port 1), which is exactly the outage case.
describe('OutboxRelay while Kafka is unreachable', () => {
  let app: NestExpressApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    const config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      KAFKA_BROKERS: '127.0.0.1:1',
      AUTH_OUTBOX_POLL_INTERVAL_MS: '50',
      AUTH_OUTBOX_STARTUP_WAIT_MS: '200',
      AUTH_REVOCATION_ACK_WAIT_MS: String(ACK_WAIT_MS),
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(config)
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
    configureApp(app);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lets the service start although Kafka is down', () => {
    expect(logger.lines.some((l) => l.includes('Kafka not ready at start-up'))).toBe(true);
  });

  it('still revokes (200, once the ack wait is over), keeps the row unsent, logs the failure without token contents, and stops promptly', async () => {
    const issued = await request(app.getHttpServer())
      .post('/oauth/token')
      .set('Authorization', basic)
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'orders:read' })
      .expect(200);
    const token = issued.body.access_token as string;
    const revokeStarted = performance.now();
    await request(app.getHttpServer())
      .post('/oauth/revoke')
      .set('Authorization', basic)
      .type('form')
      .send({ token })
      .expect(200);
    // It waited for an acknowledgement that cannot come, then answered all the same (loose margin: shared machine).
    const answeredInMs = performance.now() - revokeStarted;
    expect(answeredInMs).toBeGreaterThanOrEqual(ACK_WAIT_MS);
    expect(answeredInMs).toBeLessThan(ACK_WAIT_MS + 2_000);

    const db = app.get(Database);
    const rows = await db.query<{ sent_at: Date | null; value: string }>(
      "SELECT sent_at, value FROM outbox WHERE record_key LIKE 'jti:%'",
    );
    expect(rows).toEqual([{ sent_at: null, value: expect.any(String) }]);
    await waitFor(
      'the relay to report a failed step',
      () => (logger.lines.some((l) => l.includes('outbox relay step failed')) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const logs = logger.lines.join('\n');
    expect(logs).not.toContain(token.split('.')[2]!);
    expect(logs).not.toContain(rows[0]!.value.split('.')[2]!);

    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(15_000);
    app = undefined as unknown as NestExpressApplication;
  });
});
