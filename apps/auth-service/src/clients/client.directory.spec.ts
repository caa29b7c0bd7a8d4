import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuthServiceConfig } from '../config/auth-service.config.js';
import { OAUTH_ERRORS, OAuthError } from '../oauth/oauth.error.js';
import { readFormParams } from '../oauth/form-params.js';
import { CHANNEL_WATCH_BACKOFF_MS } from '../storage/channel-watch.js';
import { ClientAuthenticator } from './client-authenticator.service.js';
import { CLIENT_DIRECTORY_MAX_ROWS, ClientDirectory } from './client.directory.js';
import { hashClientSecret } from './client-secret.hasher.js';
import { ObservedDatabase } from '../../../../test/support/observed-database.js';
import { specBackends, type SpecDatabases } from '../../../../test/support/spec-databases.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const CLIENT_READ = /FROM clients WHERE id/;
/** Bounded wait for a notification to reach the directory: milliseconds in practice. */
const NOTIFIED_WITHIN_MS = 5_000;

describe.each(specBackends())('ClientDirectory on %s', (_kind, open) => {
  const hashKey = randomBytes(32);
  let dbs: SpecDatabases;
  let db: ObservedDatabase;
  let directory: ClientDirectory;

  beforeAll(async () => {
    dbs = await open();
    db = new ObservedDatabase(dbs.db);
  });

  afterEach(async () => {
    await directory?.onApplicationShutdown();
  });

  afterAll(async () => {
    await dbs?.close();
  });

  async function started(): Promise<ClientDirectory> {
    directory = new ClientDirectory(db);
    await directory.onApplicationBootstrap();
    return directory;
  }

  async function newClient(secret = 'a secret'): Promise<{ id: string; secret: string }> {
    const id = `client-${randomUUID()}`;
    await dbs.otherInstance.query(
      `INSERT INTO clients (id, secret_hash, grant_types, scopes) VALUES ($1, $2, ARRAY['client_credentials'], ARRAY['orders:read'])`,
      [id, hashClientSecret(hashKey, secret)],
    );
    return { id, secret };
  }

  /** Counts the reads of `clients` that `lookups` makes. */
  async function readsOf(lookups: () => Promise<unknown>): Promise<number> {
    const before = db.count(CLIENT_READ);
    await lookups();
    return db.count(CLIENT_READ) - before;
  }

  /** Resolves once the directory has dropped what it kept for `id` (its next lookup reads the database). */
  async function dropped(id: string): Promise<void> {
    await waitFor(
      'the directory to drop its rows',
      async () => ((await readsOf(() => directory.find(id))) === 1 ? true : undefined),
      {
        timeoutMs: NOTIFIED_WITHIN_MS,
      },
    );
  }

  it('reads the database on every lookup until it listens, and keeps nothing', async () => {
    const client = await newClient();
    directory = new ClientDirectory(db);
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
  });

  it('serves a client it has read without reading again; concurrent lookups share one read', async () => {
    const client = await newClient();
    await started();
    expect(await readsOf(() => Promise.all([1, 2, 3, 4].map(() => directory.find(client.id))))).toBe(1);
    expect(await readsOf(() => directory.find(client.id))).toBe(0);
    expect(await directory.find(client.id)).toMatchObject({ id: client.id, disabled: false, scopes: ['orders:read'] });
  });

  it('never keeps an unknown client id', async () => {
    await started();
    const unknown = `unknown-${randomUUID()}`;
    expect(await directory.find(unknown)).toBeUndefined();
    expect(await readsOf(() => directory.find(unknown))).toBe(1);
  });

  it('refuses a client disabled by plain SQL on another instance within a bounded wait, and takes it back', async () => {
    const client = await newClient('right secret');
    const authenticator = new ClientAuthenticator(await started(), {
      clientSecretHashKey: hashKey,
    } as AuthServiceConfig);
    const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
    const authenticate = () => authenticator.authenticate(basic, readFormParams({}));
    await expect(authenticate()).resolves.toEqual({
      id: client.id,
      grantTypes: ['client_credentials'],
      scopes: ['orders:read'],
    });
    expect(await readsOf(authenticate)).toBe(0);

    await dbs.otherInstance.query('UPDATE clients SET disabled = true WHERE id = $1', [client.id]);
    const refusal = await waitFor(
      'the disabled client to be refused',
      () =>
        authenticate().then(
          () => undefined,
          (error: unknown) => error,
        ),
      { timeoutMs: NOTIFIED_WITHIN_MS },
    );
    expect(refusal).toBeInstanceOf(OAuthError);
    expect((refusal as OAuthError).error).toBe(OAUTH_ERRORS.invalidClient);

    await dbs.otherInstance.query('UPDATE clients SET disabled = false, scopes = ARRAY[]::text[] WHERE id = $1', [
      client.id,
    ]);
    await waitFor(
      'the re-enabled client to pass again',
      () =>
        authenticate().then(
          (c) => c,
          () => undefined,
        ),
      {
        timeoutMs: NOTIFIED_WITHIN_MS,
      },
    );
    await expect(authenticate()).resolves.toMatchObject({ scopes: [] });
  });

  it('drops every kept client when any client changes, deleted ones included', async () => {
    const kept = await newClient();
    const deleted = await newClient();
    await started();
    await directory.find(kept.id);
    await directory.find(deleted.id);
    await dbs.otherInstance.query('DELETE FROM clients WHERE id = $1', [deleted.id]);
    await dropped(kept.id);
    expect(await directory.find(deleted.id)).toBeUndefined();
  });

  it('does not keep a read that was in flight when a notification arrived', async () => {
    const client = await newClient();
    const witness = await newClient();
    await started();
    await directory.find(witness.id);
    const held = db.holdAnswer(CLIENT_READ);
    const racing = directory.find(client.id);
    await held.reached;
    await dbs.otherInstance.query('UPDATE clients SET scopes = ARRAY[]::text[] WHERE id = $1', [client.id]);
    // The witness was kept: once it is read again, the notification has been handled.
    await dropped(witness.id);
    held.release();
    expect(await racing).toMatchObject({ scopes: ['orders:read'] });
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
    expect(await directory.find(client.id)).toMatchObject({ scopes: [] });
    expect(await readsOf(() => directory.find(client.id))).toBe(0);
  });

  it('reads the database while its LISTEN is lost, and keeps rows again once it listens again', async () => {
    const client = await newClient();
    await started();
    await directory.find(client.id);
    db.refuseListen(new Error('no LISTEN (spec)'));
    db.loseListeners();
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
    const attempts = db.listenAttempts;
    await waitFor('a refused retry', () => (db.listenAttempts > attempts ? true : undefined), {
      timeoutMs: CHANNEL_WATCH_BACKOFF_MS.max * 3,
    });
    expect(await readsOf(() => directory.find(client.id))).toBe(1);
    // Once LISTEN is possible again, the next retry (at most the backoff's cap later) brings the rows back.
    db.refuseListen(undefined);
    await waitFor(
      'the directory to keep rows again',
      async () => {
        await directory.find(client.id);
        return (await readsOf(() => directory.find(client.id))) === 0 ? true : undefined;
      },
      { timeoutMs: CHANNEL_WATCH_BACKOFF_MS.max * 3 },
    );
  });

  it(`keeps at most ${CLIENT_DIRECTORY_MAX_ROWS} clients, dropping the oldest`, async () => {
    const prefix = `bulk-${randomUUID()}-`;
    await dbs.otherInstance.query(
      `INSERT INTO clients (id, secret_hash) SELECT $1 || n, 'x' FROM generate_series(0, $2::int) AS n`,
      [prefix, CLIENT_DIRECTORY_MAX_ROWS],
    );
    await started();
    for (let n = 0; n <= CLIENT_DIRECTORY_MAX_ROWS; n += 1) await directory.find(`${prefix}${n}`);
    expect(await readsOf(() => directory.find(`${prefix}${CLIENT_DIRECTORY_MAX_ROWS}`))).toBe(0);
    expect(await readsOf(() => directory.find(`${prefix}1`))).toBe(0);
    expect(await readsOf(() => directory.find(`${prefix}0`))).toBe(1);
  });
});
