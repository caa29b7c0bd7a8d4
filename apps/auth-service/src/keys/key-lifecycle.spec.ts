import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import request from 'supertest';
import {
  parseKeyEvent,
  parseRevocationEvent,
  TOPIC_EVENT_TYPES,
  verifySecurityEvent,
  type EventKeyResolver,
  type VerifiedKeyEvent,
  type VerifiedRevocation,
} from '@app/events';
import { AppModule } from '../app.module.js';
import { Clock } from '../common/clock.js';
import { authServiceConfig, loadAuthServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { configureApp } from '../configure-app.js';
import { Database } from '../storage/database.js';
import { KeyRotationRefusedError, UnknownSigningKeyError } from './key-lifecycle.errors.js';
import { KeyLifecycle } from './key-lifecycle.service.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './signing-key.generator.js';
import { SigningKeyStore } from './signing-key.store.js';
import { CapturingLogger } from '../../../../test/support/capturing-logger.js';

const ISSUER = 'http://auth.test';
const DEMO = { id: 'demo-app', secret: 'dev-only-demo-app-secret' };
const KEYS_TOPIC = 'auth.keys.v1';
const REVOCATIONS_TOPIC = 'auth.revocations.v1';

/** Small timeline values, so the fake clock moves in minutes rather than days. */
const TTL_SECONDS = 60;
const PUBLISH_AHEAD_SECONDS = 600;
const ROTATION_INTERVAL_SECONDS = 3600;
/** Access-token TTL + the largest clock tolerance a verifier may use (AUTH_DEFAULTS.maxClockToleranceSeconds). */
const RETIRE_AFTER_SECONDS = TTL_SECONDS + 300;

const basic = `Basic ${Buffer.from(`${DEMO.id}:${DEMO.secret}`).toString('base64')}`;

/** A clock the spec moves by hand (injected as the `Clock` provider; no global time mocks). */
class FakeClock extends Clock {
  /** Whole seconds, so database timestamps round-trip exactly. */
  ms = Math.floor(Date.now() / 1000) * 1000;
  override now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

interface KeyRow {
  kid: string;
  alg: string;
  state: string;
  private_key_ciphertext: string | null;
  kek_id: string | null;
  signature_count: number;
}

interface AuditRow {
  id: number;
  type: string;
  actor: string;
  kid: string;
  state: string | null;
}

interface OutboxRow {
  id: number;
  topic: string;
  record_key: string;
  value: string;
}

/** The real AppModule on the embedded database, relay disabled, with its own fake clock. */
class AuthServiceHarness {
  readonly clock = new FakeClock();
  readonly logger = new CapturingLogger();
  app!: NestExpressApplication;
  db!: Database;
  lifecycle!: KeyLifecycle;
  store!: SigningKeyStore;
  config!: AuthServiceConfig;

  async start(): Promise<void> {
    this.config = loadAuthServiceConfig({
      NODE_ENV: 'test',
      AUTH_ISSUER: ISSUER,
      AUTH_OUTBOX_RELAY_ENABLED: 'false',
      AUTH_ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
      AUTH_KEY_PUBLISH_AHEAD_SECONDS: String(PUBLISH_AHEAD_SECONDS),
      AUTH_KEY_ROTATION_INTERVAL_SECONDS: String(ROTATION_INTERVAL_SECONDS),
      // The scheduler must not tick during the spec: the spec drives rotateIfDue/retireExpired itself.
      AUTH_KEY_CHECK_INTERVAL_SECONDS: '3600',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(authServiceConfig.KEY)
      .useValue(this.config)
      .overrideProvider(Clock)
      .useValue(this.clock)
      .compile();
    this.app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: this.logger });
    configureApp(this.app);
    await this.app.init();
    this.db = this.app.get(Database);
    this.lifecycle = this.app.get(KeyLifecycle);
    this.store = this.app.get(SigningKeyStore);
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }

  async jwks(): Promise<JSONWebKeySet> {
    return (await request(this.app.getHttpServer()).get('/.well-known/jwks.json').expect(200)).body;
  }

  async token(): Promise<string> {
    const response = await request(this.app.getHttpServer())
      .post('/oauth/token')
      .set('Authorization', basic)
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'orders:read' })
      .expect(200);
    return response.body.access_token as string;
  }

  async revokeToken(token: string): Promise<void> {
    await request(this.app.getHttpServer())
      .post('/oauth/revoke')
      .set('Authorization', basic)
      .type('form')
      .send({ token })
      .expect(200);
  }

  async keys(): Promise<KeyRow[]> {
    return this.db.query<KeyRow>(
      `SELECT kid, alg, state, private_key_ciphertext, kek_id, signature_count::int AS signature_count
         FROM signing_keys ORDER BY created_at, kid`,
    );
  }

  async states(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.keys()).map((key) => [key.kid, key.state]));
  }

  async kidIn(state: 'next' | 'current'): Promise<string> {
    const key = (await this.keys()).find((row) => row.state === state);
    if (key === undefined) throw new Error(`no ${state} key`);
    return key.kid;
  }

  async lastOutboxId(): Promise<number> {
    const [row] = await this.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM outbox');
    return row!.id;
  }

  async outboxAfter(id: number): Promise<OutboxRow[]> {
    return this.db.query<OutboxRow>(
      'SELECT id::int AS id, topic, record_key, value FROM outbox WHERE id > $1 ORDER BY id',
      [id],
    );
  }

  async audit(sinceId: number): Promise<AuditRow[]> {
    return this.db.query<AuditRow>(
      `SELECT id::int AS id, type, actor, details->>'kid' AS kid, details->>'state' AS state
         FROM audit_log WHERE id > $1 AND type LIKE 'key.%' ORDER BY id`,
      [sinceId],
    );
  }

  async lastAuditId(): Promise<number> {
    const [row] = await this.db.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM audit_log');
    return row!.id;
  }
}

/** One harness per describe block: a fresh database and key table each time. */
function useAuthService(): AuthServiceHarness {
  const harness = new AuthServiceHarness();
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());
  return harness;
}

/** Resolves an event's `{ kid, alg }` against a JWKS only: a key it lacks (or under another alg) is not trusted. */
function resolverOf(jwks: JSONWebKeySet): EventKeyResolver {
  return async ({ kid, alg }) => {
    const jwk = jwks.keys.find((key) => key.kid === kid && key.alg === alg);
    if (jwk === undefined) throw new Error(`kid ${kid} (${alg}) is not in the JWKS`);
    return (await importJWK(jwk, alg)) as CryptoKey;
  };
}

const verifyOptions = (jwks: JSONWebKeySet) => ({
  issuer: ISSUER,
  audience: 'orders-service',
  algorithms: SIGNING_ALGORITHMS,
  resolveKey: resolverOf(jwks),
});

async function keyEventOf(row: OutboxRow, jwks: JSONWebKeySet): Promise<VerifiedKeyEvent> {
  expect(row.topic).toBe(KEYS_TOPIC);
  const event = parseKeyEvent(
    await verifySecurityEvent(row.value, { ...verifyOptions(jwks), types: TOPIC_EVENT_TYPES.keys }),
  );
  expect(row.record_key).toBe(event.kid);
  return event;
}

async function revocationEventOf(row: OutboxRow, jwks: JSONWebKeySet): Promise<VerifiedRevocation> {
  expect(row.topic).toBe(REVOCATIONS_TOPIC);
  const event = parseRevocationEvent(
    await verifySecurityEvent(row.value, { ...verifyOptions(jwks), types: TOPIC_EVENT_TYPES.revocations }),
  );
  expect(row.record_key).toBe(`${event.target.type}:${event.target.value}`);
  return event;
}

const byKid = (a: { kid: string }, b: { kid: string }): number => a.kid.localeCompare(b.kid);

const signerOf = (row: OutboxRow): string | undefined => decodeProtectedHeader(row.value).kid;
const kidOf = (token: string): string | undefined => decodeProtectedHeader(token).kid;
const publishedKids = (jwks: JSONWebKeySet): (string | undefined)[] => jwks.keys.map((key) => key.kid);

describe('first start, rotation, retirement, signature counts (one database, in order)', () => {
  const auth = useAuthService();

  describe('first start', () => {
    it('creates a current and a next key, both in the JWKS (current first), nothing else', async () => {
      const keys = await auth.keys();
      expect(keys.map((key) => key.state).sort()).toEqual(['current', 'next']);
      const current = await auth.kidIn('current');
      const next = await auth.kidIn('next');
      expect(publishedKids(await auth.jwks())).toEqual([current, next]);
      for (const key of keys) expect(key.private_key_ciphertext).not.toBeNull();
    });

    it('announces both keys on the keys topic (record key = kid), signed by the current key, verifiable from the JWKS', async () => {
      const jwks = await auth.jwks();
      const rows = await auth.outboxAfter(0);
      expect(rows).toHaveLength(2);
      const events = await Promise.all(rows.map((row) => keyEventOf(row, jwks)));
      const current = await auth.kidIn('current');
      expect(events.map(({ kid, state }) => ({ kid, state }))).toEqual([
        { kid: current, state: 'current' },
        { kid: await auth.kidIn('next'), state: 'next' },
      ]);
      for (const row of rows) expect(signerOf(row)).toBe(current);
      for (const event of events) {
        expect(event.alg).toBe('ES256');
        expect(event.at).toBe(auth.clock.now() / 1000);
        expect(event.jwk).not.toHaveProperty('d');
        expect(jwks.keys.find((key) => key.kid === event.kid)).toMatchObject(event.jwk);
      }
    });

    it('does nothing more on a second ensureKeys', async () => {
      const before = { keys: await auth.keys(), outbox: await auth.lastOutboxId() };
      await auth.lifecycle.ensureKeys();
      expect(await auth.keys()).toEqual(before.keys);
      expect(await auth.lastOutboxId()).toBe(before.outbox);
    });
  });

  describe('rotation on demand, retirement, rotation on schedule', () => {
    const rotationError = async (): Promise<KeyRotationRefusedError> => {
      const error: unknown = await auth.lifecycle.rotate('admin-cli').catch((caught: unknown) => caught);
      if (!(error instanceof KeyRotationRefusedError)) throw new Error(`expected a refusal, got ${String(error)}`);
      return error;
    };

    it.each([
      [0, PUBLISH_AHEAD_SECONDS],
      [1, PUBLISH_AHEAD_SECONDS - 1],
      [PUBLISH_AHEAD_SECONDS - 1.5, 2],
      [PUBLISH_AHEAD_SECONDS - 0.001, 1],
    ])(
      'refuses to rotate %s s after the next key was published (retry after %s s), changing nothing',
      async (publishedForSeconds, retryAfterSeconds) => {
        const createdAt = auth.clock.now();
        const before = { states: await auth.states(), outbox: await auth.lastOutboxId() };
        auth.clock.advance(publishedForSeconds);
        try {
          const error = await rotationError();
          expect(error.code).toBe('ERR_KEY_ROTATION_TOO_SOON');
          expect(error.kid).toBe(await auth.kidIn('next'));
          expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
          expect(await auth.states()).toEqual(before.states);
          expect(await auth.lastOutboxId()).toBe(before.outbox);
        } finally {
          auth.clock.ms = createdAt;
        }
      },
    );

    let rotatedAt: number;
    let rotated: { current: string; next: string; previous: string | null };
    let before: { current: string; next: string; outbox: number; audit: number };

    it('rotates once the next key is publish-ahead old: next → current, current → previous, a new next', async () => {
      before = {
        current: await auth.kidIn('current'),
        next: await auth.kidIn('next'),
        outbox: await auth.lastOutboxId(),
        audit: await auth.lastAuditId(),
      };
      auth.clock.advance(PUBLISH_AHEAD_SECONDS);
      rotatedAt = auth.clock.now();
      rotated = await auth.lifecycle.rotate('admin-cli');

      expect(rotated).toEqual({ current: before.next, next: expect.any(String), previous: before.current });
      expect(await auth.states()).toEqual({
        [before.current]: 'previous',
        [before.next]: 'current',
        [rotated.next]: 'next',
      });
    });

    it('announces the three changes on the keys topic, signed by the new current key', async () => {
      await auth.store.reload();
      const jwks = await auth.jwks();
      const rows = await auth.outboxAfter(before.outbox);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(signerOf(row)).toBe(rotated.current);
      const events = await Promise.all(rows.map((row) => keyEventOf(row, jwks)));
      expect(events.map(({ kid, state, at }) => ({ kid, state, at }))).toEqual(
        expect.arrayContaining([
          { kid: rotated.current, state: 'current', at: rotatedAt / 1000 },
          { kid: rotated.next, state: 'next', at: rotatedAt / 1000 },
          { kid: rotated.previous, state: 'previous', at: rotatedAt / 1000 },
        ]),
      );
    });

    it('audits every state change and the new key with the actor', async () => {
      const entries = await auth.audit(before.audit);
      const changes = entries.filter((entry) => entry.type !== 'key.decrypted');
      expect(changes.map(({ type, actor, kid }) => ({ type, actor, kid }))).toEqual([
        { type: 'key.retired', actor: 'admin-cli', kid: rotated.previous },
        { type: 'key.activated', actor: 'admin-cli', kid: rotated.current },
        { type: 'key.created', actor: 'admin-cli', kid: rotated.next },
        { type: 'key.published', actor: 'admin-cli', kid: rotated.next },
      ]);
      expect(changes.find((entry) => entry.type === 'key.retired')!.state).toBe('previous');
    });

    it('serves the three keys in the JWKS, and tokens issued after the store reloads carry the new kid', async () => {
      await auth.store.reload();
      const jwks = await auth.jwks();
      expect(publishedKids(jwks)).toEqual([rotated.current, rotated.next, rotated.previous]);
      const token = await auth.token();
      expect(kidOf(token)).toBe(rotated.current);
      await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        algorithms: ['ES256'],
        currentDate: new Date(auth.clock.now()),
      });
    });

    it('keeps the previous key until TTL + 300 s have passed since it stopped signing', async () => {
      const outbox = await auth.lastOutboxId();
      auth.clock.ms = rotatedAt + (RETIRE_AFTER_SECONDS - 1) * 1000;
      expect(await auth.lifecycle.retireExpired()).toEqual([]);
      expect((await auth.states())[rotated.previous!]).toBe('previous');
      expect(await auth.lastOutboxId()).toBe(outbox);
    });

    it('then retires it: private part erased, out of the JWKS, its retired event emitted', async () => {
      const outbox = await auth.lastOutboxId();
      auth.clock.ms = rotatedAt + RETIRE_AFTER_SECONDS * 1000;
      expect(await auth.lifecycle.retireExpired()).toEqual([rotated.previous]);

      const retired = (await auth.keys()).find((key) => key.kid === rotated.previous)!;
      expect(retired).toMatchObject({ state: 'retired', private_key_ciphertext: null, kek_id: null });
      await auth.store.reload();
      const jwks = await auth.jwks();
      expect(publishedKids(jwks)).toEqual([rotated.current, rotated.next]);

      const rows = await auth.outboxAfter(outbox);
      expect(rows).toHaveLength(1);
      expect(signerOf(rows[0]!)).toBe(rotated.current);
      const event = await keyEventOf(rows[0]!, jwks);
      expect(event).toMatchObject({ kid: rotated.previous, state: 'retired' });
      expect(await auth.lifecycle.retireExpired()).toEqual([]);
    });

    it('rotateIfDue does nothing before the rotation interval, rotates once after it', async () => {
      const current = await auth.kidIn('current');
      const next = await auth.kidIn('next');
      const outbox = await auth.lastOutboxId();
      auth.clock.ms = rotatedAt + (ROTATION_INTERVAL_SECONDS - 1) * 1000;
      expect(await auth.lifecycle.rotateIfDue()).toBeUndefined();
      expect(await auth.lastOutboxId()).toBe(outbox);

      auth.clock.ms = rotatedAt + ROTATION_INTERVAL_SECONDS * 1000;
      const result = await auth.lifecycle.rotateIfDue();
      expect(result).toEqual({ current: next, next: expect.any(String), previous: current });
      expect(await auth.outboxAfter(outbox)).toHaveLength(3);
      const audit = await auth.db.query<{ actor: string }>(
        `SELECT DISTINCT actor FROM audit_log WHERE type = 'key.activated' AND details->>'kid' = $1`,
        [next],
      );
      expect(audit).toEqual([{ actor: 'scheduler' }]);

      const settled = { states: await auth.states(), outbox: await auth.lastOutboxId() };
      expect(await auth.lifecycle.rotateIfDue()).toBeUndefined();
      expect(await auth.states()).toEqual(settled.states);
      expect(await auth.lastOutboxId()).toBe(settled.outbox);
    });
  });

  describe('signature counts', () => {
    const counts = async (): Promise<Record<string, number>> =>
      Object.fromEntries((await auth.keys()).map((key) => [key.kid, key.signature_count]));

    it('adds the tokens each key signed to signing_keys.signature_count on flush', async () => {
      await auth.store.flushSignatureCounts(); // what earlier tests signed
      const current = await auth.kidIn('current');
      const base = await counts();
      for (let i = 0; i < 3; i += 1) await auth.token();
      expect(await counts()).toEqual(base);
      await auth.store.flushSignatureCounts();
      await auth.store.flushSignatureCounts();
      expect(await counts()).toEqual({ ...base, [current]: base[current]! + 3 });
    });

    it('counts the events each key signed too: a token revocation, the key events of a rotation', async () => {
      const base = await counts();
      const token = await auth.token();
      await auth.revokeToken(token);
      await auth.store.flushSignatureCounts();
      const signer = kidOf(token)!;
      expect(await counts()).toEqual({ ...base, [signer]: base[signer]! + 2 });

      auth.clock.advance(PUBLISH_AHEAD_SECONDS);
      const outbox = await auth.lastOutboxId();
      const beforeRotation = await counts();
      const { current, next } = await auth.lifecycle.rotate('admin-cli');
      const announced = await auth.outboxAfter(outbox);
      expect(announced.map(signerOf)).toEqual([current, current, current]);
      expect(await counts()).toEqual({ ...beforeRotation, [current]: beforeRotation[current]! + 3, [next]: 0 });
      await auth.store.reload();
      for (let i = 0; i < 2; i += 1) expect(kidOf(await auth.token())).toBe(current);
      await auth.store.flushSignatureCounts();
      expect((await counts())[current]).toBe(beforeRotation[current]! + 5);
    });
  });
});

describe('revocation of a signing key', () => {
  const auth = useAuthService();
  /** Revoked, and past its expiry by more than any verifier's clock tolerance: no verifier needs it any more. */
  let longExpired: string;
  /** Revoked, past its expiry, but within the largest clock tolerance (300 s): verifiers still refuse it. */
  let withinTolerance: string;
  /** Revoked and not yet expired. */
  let live: string;

  const revokedTokenJti = async (): Promise<string> => {
    const token = await auth.token();
    const { payload } = await jwtVerify(token, createLocalJWKSet(await auth.jwks()), {
      currentDate: new Date(auth.clock.now()),
    });
    await auth.revokeToken(token);
    return payload.jti!;
  };

  beforeAll(async () => {
    // Token revocations signed by the keys of their time, and a previous key: all of it is signed again below.
    longExpired = await revokedTokenJti();
    auth.clock.advance(PUBLISH_AHEAD_SECONDS);
    await auth.lifecycle.rotate('admin-cli');
    await auth.store.reload();
    withinTolerance = await revokedTokenJti();
    auth.clock.advance(TTL_SECONDS + 60);
    live = await revokedTokenJti();
  });

  it('of the current key: promotes next, creates a new next, revokes the kid and signs everything again', async () => {
    const current = await auth.kidIn('current');
    const next = await auth.kidIn('next');
    const previous = Object.entries(await auth.states()).find(([, state]) => state === 'previous')![0];
    const outbox = await auth.lastOutboxId();
    const audit = await auth.lastAuditId();

    await expect(auth.lifecycle.revoke('admin-cli', current, 'compromised')).resolves.toEqual({
      kid: current,
      state: 'revoked',
    });

    const newNext = await auth.kidIn('next');
    expect(await auth.states()).toMatchObject({
      [current]: 'revoked',
      [next]: 'current',
      [previous]: 'previous',
      [newNext]: 'next',
    });
    expect(newNext).not.toBe(next);
    const revoked = (await auth.keys()).find((key) => key.kid === current)!;
    expect(revoked).toMatchObject({ private_key_ciphertext: null, kek_id: null });

    const rows = await auth.db.query<{ target_value: string; requested_by: string; reason: string; ttl: number }>(
      `SELECT target_value, requested_by, reason, extract(epoch FROM expires_at - revoked_at)::int AS ttl
         FROM revocations WHERE target_type = 'kid'`,
    );
    expect(rows).toEqual([
      { target_value: current, requested_by: 'admin-cli', reason: 'compromised', ttl: TTL_SECONDS },
    ]);

    // Verified against the JWKS as it is now: the revoked key is gone, nothing needs it any more.
    await auth.store.reload();
    const jwks = await auth.jwks();
    expect(publishedKids(jwks)).toEqual([next, newNext, previous]);
    const events = await auth.outboxAfter(outbox);
    for (const row of events) expect(signerOf(row)).toBe(next);

    const keyEvents = await Promise.all(
      events.filter((row) => row.topic === KEYS_TOPIC).map((row) => keyEventOf(row, jwks)),
    );
    expect(keyEvents.map(({ kid, state }) => ({ kid, state })).sort(byKid)).toEqual(
      [
        { kid: current, state: 'revoked' },
        { kid: next, state: 'current' },
        { kid: newNext, state: 'next' },
        { kid: previous, state: 'previous' },
      ].sort(byKid),
    );
    const revocationEvents = await Promise.all(
      events.filter((row) => row.topic === REVOCATIONS_TOPIC).map((row) => revocationEventOf(row, jwks)),
    );
    expect(revocationEvents[0]!.target).toEqual({ type: 'kid', value: current });
    expect(
      revocationEvents
        .slice(1)
        .map(({ target }) => target.value)
        .sort(),
    ).toEqual([live, withinTolerance].sort());
    expect(revocationEvents.map(({ target }) => target.value)).not.toContain(longExpired);
    expect(events).toHaveLength(keyEvents.length + revocationEvents.length);

    const entries = await auth.audit(audit);
    expect(entries).toContainEqual(
      expect.objectContaining({ type: 'key.revoked', actor: 'admin-cli', kid: current, state: 'revoked' }),
    );
    expect(kidOf(await auth.token())).toBe(next);
  });

  it('changes nothing when the key is revoked again', async () => {
    const revoked = Object.entries(await auth.states()).find(([, state]) => state === 'revoked')![0];
    const before = {
      keys: await auth.keys(),
      outbox: await auth.lastOutboxId(),
      audit: await auth.lastAuditId(),
      revocations: await auth.db.query('SELECT * FROM revocations ORDER BY id'),
    };
    await expect(auth.lifecycle.revoke('admin-cli', revoked, 'again')).resolves.toEqual({
      kid: revoked,
      state: 'revoked',
    });
    expect(await auth.keys()).toEqual(before.keys);
    expect(await auth.lastOutboxId()).toBe(before.outbox);
    expect(await auth.lastAuditId()).toBe(before.audit);
    expect(await auth.db.query('SELECT * FROM revocations ORDER BY id')).toEqual(before.revocations);
  });

  it('refuses an unknown kid with UnknownSigningKeyError, changing nothing', async () => {
    const before = { keys: await auth.keys(), outbox: await auth.lastOutboxId() };
    const error: unknown = await auth.lifecycle.revoke('admin-cli', 'no-such-kid', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSigningKeyError);
    expect(error).toMatchObject({ code: 'ERR_KEY_NOT_FOUND', kid: 'no-such-kid' });
    expect(await auth.keys()).toEqual(before.keys);
    expect(await auth.lastOutboxId()).toBe(before.outbox);
  });

  it('of the next key: a new next key takes its place, the current key stays', async () => {
    const current = await auth.kidIn('current');
    const next = await auth.kidIn('next');
    const outbox = await auth.lastOutboxId();
    await auth.lifecycle.revoke('admin-cli', next, 'leaked');

    const newNext = await auth.kidIn('next');
    expect(newNext).not.toBe(next);
    expect(await auth.kidIn('current')).toBe(current);
    expect((await auth.states())[next]).toBe('revoked');
    await auth.store.reload();
    const jwks = await auth.jwks();
    expect(publishedKids(jwks)).not.toContain(next);
    expect(publishedKids(jwks)).toContain(newNext);
    const keyEvents = await Promise.all(
      (await auth.outboxAfter(outbox)).filter((row) => row.topic === KEYS_TOPIC).map((row) => keyEventOf(row, jwks)),
    );
    expect(keyEvents).toContainEqual(expect.objectContaining({ kid: next, state: 'revoked' }));
    expect(keyEvents).toContainEqual(expect.objectContaining({ kid: newNext, state: 'next' }));
  });
});

describe('rotation to another algorithm (one database, in order)', () => {
  const auth = useAuthService();

  describe.each<[SigningAlgorithm, JWK]>([
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
    ['RS256', { kty: 'RSA', e: 'AQAB' }],
  ])('rotation to %s', (alg, shape) => {
    let kid: string;

    it(`publishes the new next key with alg ${alg}`, async () => {
      auth.clock.advance(PUBLISH_AHEAD_SECONDS);
      ({ next: kid } = await auth.lifecycle.rotate('admin-cli', alg));
      await auth.store.reload();
      const jwk = (await auth.jwks()).keys.find((key) => key.kid === kid);
      expect(jwk).toMatchObject({ ...shape, alg, use: 'sig' });
      expect(jwk).not.toHaveProperty('d');
      if (alg === 'RS256') expect(Buffer.from(jwk!.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    });

    it(`signs tokens and events with it once current, verifiable with ${alg} only`, async () => {
      const outbox = await auth.lastOutboxId();
      auth.clock.advance(PUBLISH_AHEAD_SECONDS);
      expect((await auth.lifecycle.rotate('admin-cli')).current).toBe(kid);
      await auth.store.reload();
      const jwks = await auth.jwks();
      const token = await auth.token();
      const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: 'orders-service',
        algorithms: [alg],
        currentDate: new Date(auth.clock.now()),
      });
      expect(protectedHeader).toEqual({ alg, kid, typ: 'at+jwt' });
      await expect(
        jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['ES256'], currentDate: new Date(auth.clock.now()) }),
      ).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
      const rows = await auth.outboxAfter(outbox);
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(decodeProtectedHeader(row.value)).toMatchObject({ alg, kid });
      await Promise.all(rows.map((row) => keyEventOf(row, jwks)));
    });
  });
});
