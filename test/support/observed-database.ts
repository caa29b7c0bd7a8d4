import {
  Database,
  type AdvisoryLock,
  type Listener,
  type SqlExecutor,
} from '../../apps/auth-service/src/storage/database.js';

/** A query whose answer is held back until the test lets it through. */
interface HeldQuery {
  matches: (text: string) => boolean;
  /** Resolves once a matching query has run in the database (its answer is then held). */
  reached: Promise<void>;
  markReached: () => void;
  gate: Promise<void>;
}

/**
 * The real {@link Database} (PGlite or Postgres) with what a spec needs to see and steer around it: every statement
 * sent (in and out of transactions), an answer held back ({@link ObservedDatabase.holdAnswer}), and the loss of every
 * active LISTEN connection ({@link ObservedDatabase.loseListeners}, what a dropped connection does) or a refused LISTEN
 * ({@link ObservedDatabase.refuseListen}). Nothing is answered by the wrapper itself.
 *
 * @example
 * const db = new ObservedDatabase(new PgliteDatabase());
 * const before = db.count(/FROM clients/);
 * await directory.find('demo-app');
 * expect(db.count(/FROM clients/) - before).toBe(0);
 */
export class ObservedDatabase extends Database {
  readonly statements: string[] = [];
  /** Every `listen` call, refused ones included. */
  listenAttempts = 0;
  /** Notifications handed to the listeners so far. */
  notificationsDelivered = 0;
  private held: HeldQuery | undefined;
  private readonly onErrors = new Set<(error: Error) => void>();
  private listenRefusal: Error | undefined;

  override readonly kind: Database['kind'];

  constructor(readonly inner: Database) {
    super();
    this.kind = inner.kind;
  }

  /** How many statements sent so far match `pattern`. */
  count(pattern: RegExp): number {
    return this.statements.filter((text) => pattern.test(text)).length;
  }

  /**
   * Holds the answer of the next statement matching `pattern` after it has run, until `release()`; `reached`
   * resolves once it has run.
   */
  holdAnswer(pattern: RegExp): { reached: Promise<void>; release: () => void } {
    let markReached = (): void => undefined;
    let release = (): void => undefined;
    const reached = new Promise<void>((resolve) => (markReached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.held = { matches: (text) => pattern.test(text), reached, markReached, gate };
    return { reached, release };
  }

  /** Calls the `onError` of every active listener, as a lost LISTEN connection does, and forgets them. */
  loseListeners(): void {
    const onErrors = [...this.onErrors];
    this.onErrors.clear();
    for (const onError of onErrors) onError(new Error('LISTEN connection lost (spec)'));
  }

  /** Makes every `listen` fail while set (`undefined`: listen again). */
  refuseListen(error: Error | undefined): void {
    this.listenRefusal = error;
  }

  override async open(): Promise<void> {
    await this.inner.open();
  }

  override async query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
    return this.observe(text, () => this.inner.query<R>(text, params));
  }

  override async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) =>
      work({
        query: <R extends object>(text: string, params?: unknown[]) =>
          this.observe(text, () => tx.query<R>(text, params)),
      }),
    );
  }

  override withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T> {
    return this.inner.withAdvisoryLock(key, work);
  }

  override tryAdvisoryLock(key: number): Promise<AdvisoryLock | null> {
    return this.inner.tryAdvisoryLock(key);
  }

  override async listen(channel: string, onNotify: () => void, onError: (error: Error) => void): Promise<Listener> {
    this.listenAttempts += 1;
    if (this.listenRefusal !== undefined) throw this.listenRefusal;
    let active = true;
    const lose = (error: Error): void => {
      if (!active) return;
      active = false;
      this.onErrors.delete(lose);
      void listener.close();
      onError(error);
    };
    const listener = await this.inner.listen(
      channel,
      () => {
        if (!active) return;
        this.notificationsDelivered += 1;
        onNotify();
      },
      lose,
    );
    this.onErrors.add(lose);
    return {
      close: async () => {
        active = false;
        this.onErrors.delete(lose);
        await listener.close();
      },
    };
  }

  override async close(): Promise<void> {
    await this.inner.close();
  }

  private async observe<R>(text: string, run: () => Promise<R>): Promise<R> {
    this.statements.push(text);
    const held = this.held?.matches(text) === true ? this.held : undefined;
    if (held !== undefined) this.held = undefined;
    const answer = await run();
    if (held !== undefined) {
      held.markReached();
      await held.gate;
    }
    return answer;
  }
}
