import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ChannelWatch } from '../storage/channel-watch.js';
import { CHANNELS, Database } from '../storage/database.js';

/** A row of the `clients` table, as client authentication needs it. */
export interface ClientRow {
  id: string;
  secret_hash: string;
  grant_types: string[];
  scopes: string[];
  disabled: boolean;
}

/**
 * Most client rows kept at once; when full, the oldest kept goes. Each row is a few hundred bytes, so the bound
 * caps the memory at a few MB even for a `clients` table far larger than any deployment's set of active clients; a
 * deployment with more active clients than this only pays a read for those pushed out.
 */
export const CLIENT_DIRECTORY_MAX_ROWS = 10_000;

/**
 * The `clients` rows by id, kept in memory once read and trusted only while this instance is told of every change:
 * a trigger on `clients` notifies `auth_clients` (migration 008) on every statement, and any notification drops every
 * kept row. So a client disabled, deleted or changed by plain SQL on any instance is re-read by every instance within
 * the notification's delay (milliseconds). Until LISTEN is up, and whenever it is lost (until it is back, retried
 * with a backoff capped at 1 s), every lookup reads the database and nothing is kept.
 *
 * Unknown ids are never kept (a caller trying ids must not grow memory); a read that was in flight when a
 * notification arrived is not kept either (it may have read the row before the change); concurrent lookups of one id
 * share one read.
 *
 * @example
 * const row = await directory.find('demo-app'); // undefined for an unknown client
 */
@Injectable()
export class ClientDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Insertion order is age: the first key is the oldest. */
  private readonly rows = new Map<string, ClientRow>();
  private readonly inFlight = new Map<string, Promise<ClientRow | undefined>>();
  /** Bumped on every notification and every change of the LISTEN's state: a read started under another is stale. */
  private generation = 0;
  private listening = false;
  private readonly watch: ChannelWatch;

  constructor(@Inject(Database) private readonly db: Database) {
    this.watch = new ChannelWatch(db, CHANNELS.clients, {
      onListening: () => this.trust(true),
      onNotify: () => this.trust(this.listening),
      onLost: () => this.trust(false),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.watch.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watch.stop();
    this.trust(false);
  }

  /** The client's row, or `undefined` when there is no such client. The row returned is shared: do not modify it. */
  async find(id: string): Promise<ClientRow | undefined> {
    if (!this.listening) return this.read(id);
    const kept = this.rows.get(id);
    if (kept !== undefined) return kept;
    const shared = this.inFlight.get(id);
    if (shared !== undefined) return shared;
    const generation = this.generation;
    const read = this.read(id).then((row) => {
      if (row !== undefined && generation === this.generation) this.keep(id, row);
      return row;
    });
    this.inFlight.set(id, read);
    // A failed read is not shared any longer either; its callers see the error.
    const forget = (): void => {
      if (this.inFlight.get(id) === read) this.inFlight.delete(id);
    };
    read.then(forget, forget);
    return read;
  }

  /** Drops everything kept and every read in flight; from now on rows are kept only if `listening`. */
  private trust(listening: boolean): void {
    this.listening = listening;
    this.generation += 1;
    this.rows.clear();
    this.inFlight.clear();
  }

  private keep(id: string, row: ClientRow): void {
    if (this.rows.size >= CLIENT_DIRECTORY_MAX_ROWS) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
    this.rows.set(id, row);
  }

  private async read(id: string): Promise<ClientRow | undefined> {
    const rows = await this.db.query<ClientRow>(
      'SELECT id, secret_hash, grant_types, scopes, disabled FROM clients WHERE id = $1',
      [id],
    );
    return rows[0];
  }
}
