import { Inject, Injectable } from '@nestjs/common';
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
}
