import { Logger } from '@nestjs/common';
import { hashClientSecret } from '../clients/client-secret.hasher.js';
import type { DevSeed } from '../config/dev-seed.js';
import { hashPassword, verifyPassword } from '../users/password-hashing.js';
import type { Database } from './database.js';

const logger = new Logger('DevSeed');

/**
 * Upserts the DEV ONLY seed (resource servers, roles, clients, users) in one transaction. Idempotent; a user's
 * password hash is only replaced when the seed password no longer matches it. Never called in production.
 *
 * @example
 * if (config.devSeed) await applyDevSeed(db, config.devSeed, config.clientSecretHashKey);
 */
export async function applyDevSeed(db: Database, seed: DevSeed, clientSecretHashKey: Uint8Array): Promise<void> {
  const existing = new Map(
    (await db.query<{ id: string; password_hash: string }>('SELECT id, password_hash FROM users')).map((r) => [
      r.id,
      r.password_hash,
    ]),
  );
  const passwordHashes = new Map<string, string>();
  for (const user of seed.users) {
    const stored = existing.get(user.id);
    passwordHashes.set(
      user.id,
      stored !== undefined && (await verifyPassword(stored, user.password))
        ? stored
        : await hashPassword(user.password),
    );
  }
  await db.transaction(async (tx) => {
    for (const rs of seed.resourceServers) {
      await tx.query(
        `INSERT INTO resource_servers (audience, scopes) VALUES ($1, $2)
         ON CONFLICT (audience) DO UPDATE SET scopes = EXCLUDED.scopes, updated_at = now()`,
        [rs.audience, rs.scopes],
      );
    }
    for (const role of seed.roles) {
      await tx.query(
        `INSERT INTO roles (name, scopes) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET scopes = EXCLUDED.scopes, updated_at = now()`,
        [role.name, role.scopes],
      );
    }
    for (const client of seed.clients) {
      await tx.query(
        `INSERT INTO clients (id, secret_hash, grant_types, scopes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, grant_types = EXCLUDED.grant_types,
           scopes = EXCLUDED.scopes, disabled = false, updated_at = now()`,
        [client.id, hashClientSecret(clientSecretHashKey, client.secret), client.grantTypes, client.scopes],
      );
    }
    for (const user of seed.users) {
      await tx.query(
        `INSERT INTO users (id, username, password_hash, roles) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, password_hash = EXCLUDED.password_hash,
           roles = EXCLUDED.roles, disabled = false, updated_at = now()`,
        [user.id, user.username, passwordHashes.get(user.id), user.roles],
      );
    }
  });
  logger.warn({
    msg: 'DEV ONLY seed applied (never in production)',
    resourceServers: seed.resourceServers.length,
    clients: seed.clients.map((c) => c.id),
    users: seed.users.length,
  });
}
