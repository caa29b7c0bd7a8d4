import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseDevSeed } from '../config/dev-seed.js';
import { defaultMigrationsDir, readMigrations, runMigrations } from '../storage/migration.runner.js';
import { PgliteDatabase } from '../storage/pglite.database.js';
import { clientSubject } from '../tokens/client-subject.js';
import { isUserId } from './user-id.js';

const ALICE_ID = '5b0c2f6e-7d1a-4c61-9a57-0d3f1c2b8e41';

describe('user ids and client subjects are disjoint', () => {
  it.each<[unknown, boolean]>([
    [ALICE_ID, true],
    [randomUUID(), true],
    [ALICE_ID.toUpperCase(), false],
    ['demo-app', false],
    [clientSubject(ALICE_ID), false],
    [`${ALICE_ID} `, false],
    ['', false],
    [42, false],
  ])('isUserId(%p) is %s', (value, expected) => {
    expect(isUserId(value)).toBe(expected);
  });

  it("puts a client's own sub under client:, so a client named like a user is not that user", () => {
    expect(clientSubject(ALICE_ID)).toBe(`client:${ALICE_ID}`);
    expect(clientSubject(ALICE_ID)).not.toBe(ALICE_ID);
  });

  it('refuses a dev seed whose user id is not a UUID, naming the field', () => {
    const seed = (id: string) => ({
      devOnly: true,
      keyEncryptionKey: 'a',
      clientSecretHashKey: 'b',
      resourceServers: [],
      roles: [],
      clients: [],
      users: [{ id, username: 'bob', password: 'x', roles: [] }],
    });
    expect(() => parseDevSeed(seed('demo-app'), 'seed.json')).toThrow(
      /seed\.json users: "id" must be a lower-case UUID/,
    );
    expect(parseDevSeed(seed(ALICE_ID), 'seed.json').users[0]!.id).toBe(ALICE_ID);
  });

  describe('the users table (migration 007)', () => {
    const db = new PgliteDatabase();
    const insert = (id: string) =>
      db.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, $2, 'x')`, [id, `user-${randomUUID()}`]);

    beforeAll(async () => {
      await db.open();
      await runMigrations(db, await readMigrations(defaultMigrationsDir()));
    });

    afterAll(async () => {
      await db.close();
    });

    it('accepts a UUID id and refuses any other, whatever inserts it', async () => {
      await expect(insert(randomUUID())).resolves.toBeDefined();
      for (const id of ['demo-app', clientSubject('demo-app'), ALICE_ID.toUpperCase()]) {
        await expect(insert(id)).rejects.toThrow(/users_id_uuid/);
      }
    });
  });
});
