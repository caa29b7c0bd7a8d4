import { Inject, Injectable } from '@nestjs/common';
import { AUTH_SERVICE_AUDIENCE } from '../common/own-audience.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import type { ResourceServer } from './scope-grant.js';

/**
 * The resource servers (audiences) known to the auth service and the scopes each owns (`resource_servers` table).
 *
 * @example
 * const servers = await registry.list(); // [{ audience: 'orders-service', scopes: ['orders:read', 'orders:write'] }, ...]
 */
@Injectable()
export class ResourceServerRegistry {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Inside a transaction, pass it: the embedded database has one connection. */
  async list(executor: SqlExecutor = this.db): Promise<ResourceServer[]> {
    return executor.query<ResourceServer>('SELECT audience, scopes FROM resource_servers ORDER BY audience');
  }

  /**
   * The `aud` of every security event: each registered resource server and the auth service itself (its admin
   * guard reads the same topics); each consumer checks `aud` against itself. Never empty.
   *
   * @example
   * const audience = await registry.eventAudiences(tx); // ['auth-service', 'billing-service', 'orders-service']
   */
  async eventAudiences(executor: SqlExecutor = this.db): Promise<string[]> {
    return [...new Set([AUTH_SERVICE_AUDIENCE, ...(await this.list(executor)).map((rs) => rs.audience)])];
  }
}
