import { Logger } from '@nestjs/common';
import { toEventLogger } from '@app/auth';
import { describeError, ThrottledWarnings } from '@app/events';
import type { Database, Listener } from './database.js';

/** What the owner of a {@link ChannelWatch} is told. */
export interface ChannelWatchHandlers {
  /**
   * LISTEN is up: every commit from now on will be notified. May reload what the owner keeps; if it rejects, the
   * watch counts as lost (`onLost`) and listens again after the backoff.
   */
  onListening(): Promise<void> | void;
  /** A notification on the channel (may come just before `onListening`, when a commit races the LISTEN). */
  onNotify(): void;
  /** LISTEN is down (never came up, connection lost, `onListening` failed): notifications may be missed from now on. */
  onLost(error: unknown): void;
}

/** Backoff between two LISTEN attempts: doubling from the first to the cap (the project's habit: 1 s), forever. */
export const CHANNEL_WATCH_BACKOFF_MS = { first: 100, max: 1_000 } as const;

/**
 * Keeps a LISTEN on one channel up for as long as it runs, for an owner that trusts what it keeps in memory only while
 * it is told of every change: whenever LISTEN fails to come up or is lost, the owner hears `onLost` and the watch
 * listens again after {@link CHANNEL_WATCH_BACKOFF_MS}; once it is up again, `onListening`.
 *
 * @example
 * const watch = new ChannelWatch(db, CHANNELS.clients, {
 *   onListening: () => trust(true),
 *   onNotify: () => dropEverything(),
 *   onLost: () => trust(false),
 * });
 * await watch.start(); // resolves after the first attempt, up or not
 * await watch.stop();
 */
export class ChannelWatch {
  private readonly logger = new Logger(ChannelWatch.name);
  /** While the database is away every retry fails: one warning a minute, the others at debug. */
  private readonly failures = new ThrottledWarnings(toEventLogger(this.logger));
  private listener: Listener | undefined;
  /** Bumped on each attempt and on each loss, so a late callback of an earlier LISTEN does nothing. */
  private attempt = 0;
  private backoffMs: number = CHANNEL_WATCH_BACKOFF_MS.first;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly channel: string,
    private readonly handlers: ChannelWatchHandlers,
  ) {}

  /** Listens; resolves once the first attempt has succeeded (and `onListening` has run) or failed (retrying). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
  }

  /** Stops listening and retrying; `onLost` is not called. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    await this.closeListener();
  }

  /**
   * For an owner that found what it keeps could not be brought up to date (a reload after a notification failed):
   * handled like a lost LISTEN (`onLost`, listen again after the backoff, `onListening`). Does nothing while LISTEN
   * is already down (it will be followed by `onListening` anyway).
   */
  reset(error: unknown): void {
    if (this.listener !== undefined) this.lose(this.attempt, error);
  }

  private async listen(): Promise<void> {
    const attempt = ++this.attempt;
    try {
      const listener = await this.db.listen(
        this.channel,
        () => {
          if (attempt === this.attempt) this.handlers.onNotify();
        },
        (error) => this.lose(attempt, error),
      );
      if (attempt !== this.attempt) {
        await listener.close();
        return;
      }
      this.listener = listener;
      await this.handlers.onListening();
      if (attempt === this.attempt) this.backoffMs = CHANNEL_WATCH_BACKOFF_MS.first;
    } catch (error) {
      this.lose(attempt, error);
    }
  }

  private lose(attempt: number, error: unknown): void {
    if (this.stopped || attempt !== this.attempt) return;
    this.attempt += 1;
    this.failures.warn('LISTEN down; reading through to the database until it is back', {
      channel: this.channel,
      retryInMs: this.backoffMs,
      error: describeError(error),
    });
    void this.closeListener();
    this.handlers.onLost(error);
    this.retryTimer = setTimeout(() => void this.listen(), this.backoffMs).unref();
    this.backoffMs = Math.min(this.backoffMs * 2, CHANNEL_WATCH_BACKOFF_MS.max);
  }

  private async closeListener(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close().catch((error: unknown) =>
      this.logger.warn({
        msg: 'closing a LISTEN connection failed',
        channel: this.channel,
        error: describeError(error),
      }),
    );
  }
}
