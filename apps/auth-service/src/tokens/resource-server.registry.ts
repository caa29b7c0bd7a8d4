import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AUTH_SERVICE_AUDIENCE } from '../common/own-audience.js';
import { Database, type SqlExecutor } from '../storage/database.js';
import type { ResourceServer } from './scope-grant.js';

/**
 * How long a read of `resource_servers` is reused. The table changes only by SQL (migrations, the dev seed at
 * boot, an operator): the service has no API that writes it. Every token request needs the list (each scope's
 * audience), so without reuse each one pays a query; with it, a resource server added to the table is granted
 * within this many milliseconds, on every instance.
 */
export const RESOURCE_SERVERS_MAX_AGE_MS = 5_000;

/**
 * The resource servers (audiences) known to the auth service and the scopes each owns (`resource_servers` table),
 * read at most once per {@link RESOURCE_SERVERS_MAX_AGE_MS} (concurrent callers share one read in flight; a failed
 * read is not kept).
 *
 * @example
 * const servers = await registry.list(); // [{ audience: 'orders-service', scopes: ['orders:read', 'orders:write'] }, ...]
 */
@Injectable()
export class ResourceServerRegistry {
  private cached?: { servers: Promise<ResourceServer[]>; readAt: number };

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Inside a transaction, pass it: the embedded database has one connection, so a read it needs goes through it.
   * The list returned is shared: do not modify it.
   */
  async list(executor: SqlExecutor = this.db): Promise<ResourceServer[]> {
    const now = this.clock.now();
    if (this.cached !== undefined && now - this.cached.readAt < RESOURCE_SERVERS_MAX_AGE_MS) {
      return this.cached.servers;
    }
    const servers = executor.query<ResourceServer>('SELECT audience, scopes FROM resource_servers ORDER BY audience');
    const entry = { servers, readAt: now };
    this.cached = entry;
    servers.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return servers;
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
