import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Revocation } from '@app/events';
import { Clock, toNumericDate } from '../common/clock.js';
import { ChannelWatch } from '../storage/channel-watch.js';
import { CHANNELS, Database } from '../storage/database.js';
import { listCutOffsSince, type CutOff } from './revocation.repository.js';

/**
 * How far back a reload reads, in seconds. The issuer asks for cut-offs at or after its current second, and a reload
 * runs at or before that, so with a clock that only moves forward nothing before the reload's second could ever be
 * asked for; the window is slack for this instance's wall clock stepping back (an NTP correction) by up to this much,
 * at the cost of keeping the cut-offs of the last few seconds (a handful) in memory. The clocks of other instances
 * need no slack: a cut-off they made ahead of this clock is in the window, one behind it by more than the window is
 * also out of reach of the database read it replaces (`revoked_at >= now`).
 */
export const RECENT_CUT_OFFS_WINDOW_SECONDS = 10;

type CutOffTarget = CutOff['target'];

const keyOf = (target: CutOffTarget): string => `${target.type}:${target.value}`;

/**
 * The subject and client cut-offs of the last {@link RECENT_CUT_OFFS_WINDOW_SECONDS} seconds, in memory, so that
 * issuing a token needs no read of `revocations` (see `AccessTokenIssuer`). Trusted ({@link RecentCutOffs.live})
 * only while this instance is told of every new cut-off: every writer notifies `auth_cut_offs` in its transaction
 * (`upsertRevocation`), and each notification makes one re-read of the window (notifications arriving during a
 * re-read make one more after it, not one each). Until LISTEN is up and the first read is done, and from a lost
 * LISTEN or a failed re-read until LISTEN is back (retried with a backoff capped at 1 s) and read again, it is not
 * live and the issuer reads the database. This instance's own cut-offs count at once ({@link RecentCutOffs.note}),
 * without waiting for their notification to come back.
 *
 * @example
 * if (recent.live) cutOff = recent.latest([{ type: 'sub', value: userId }, { type: 'client', value: clientId }], nowS);
 */
@Injectable()
export class RecentCutOffs implements OnApplicationBootstrap, OnApplicationShutdown {
  /** `type:value` → the latest cut-off (NumericDate) of that target in the window (or noted here, newer). */
  private cutOffs = new Map<string, number>();
  private isLive = false;
  /** Bumped when LISTEN is lost: a re-read started before may have missed a notification, so it cannot make us live. */
  private epoch = 0;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly watch: ChannelWatch;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.watch = new ChannelWatch(db, CHANNELS.cutOffs, {
      onListening: () => this.reload(),
      onNotify: () => void this.reload().catch((error: unknown) => this.watch.reset(error)),
      onLost: () => {
        this.isLive = false;
        this.epoch += 1;
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.watch.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.watch.stop();
    this.isLive = false;
  }

  /** Whether {@link RecentCutOffs.latest} knows every cut-off committed up to the last notification received. */
  get live(): boolean {
    return this.isLive;
  }

  /**
   * The latest cut-off of `targets` at or after `sinceS` (NumericDate), or `undefined`: what `latestCutOff` reads,
   * from memory. Meaningful only while {@link RecentCutOffs.live}.
   */
  latest(targets: readonly CutOffTarget[], sinceS: number): number | undefined {
    let latest: number | undefined;
    for (const target of targets) {
      const revokedAt = this.cutOffs.get(keyOf(target));
      if (revokedAt !== undefined && revokedAt >= sinceS && (latest === undefined || revokedAt > latest)) {
        latest = revokedAt;
      }
    }
    return latest;
  }

  /**
   * A revocation this instance has just written (as stored): a subject or client cut-off counts from now on, before
   * its notification comes back. Noted inside the writing transaction, so a token issued while it commits waits too;
   * if that transaction rolls back, the only cost is that tokens of the target issued in that same second wait for
   * the next one.
   */
  note(revocation: Revocation): void {
    const { target, revokedAt } = revocation;
    if (target.type !== 'sub' && target.type !== 'client') return;
    const key = keyOf({ type: target.type, value: target.value });
    if (revokedAt > (this.cutOffs.get(key) ?? -Infinity)) this.cutOffs.set(key, revokedAt);
  }

  private reload(): Promise<void> {
    if (this.reloading !== undefined) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadUntilCurrent().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reloadUntilCurrent(): Promise<void> {
    for (;;) {
      this.reloadAgain = false;
      const epoch = this.epoch;
      const sinceS = toNumericDate(this.clock.now()) - RECENT_CUT_OFFS_WINDOW_SECONDS;
      const read = await listCutOffsSince(this.db, sinceS);
      const current = epoch === this.epoch;
      if (current) this.replace(read, sinceS);
      if (this.reloadAgain) continue;
      if (current) this.isLive = true;
      return;
    }
  }

  /**
   * The window as read, plus what was noted here and is newer than the read (a cut-off of this instance whose
   * transaction had not committed when the read ran): cut-offs only move forward, so the later of the two is right.
   */
  private replace(read: readonly CutOff[], sinceS: number): void {
    const next = new Map<string, number>();
    for (const cutOff of read) next.set(keyOf(cutOff.target), cutOff.revokedAt);
    for (const [key, revokedAt] of this.cutOffs) {
      if (revokedAt >= sinceS && revokedAt > (next.get(key) ?? -Infinity)) next.set(key, revokedAt);
    }
    this.cutOffs = next;
  }
}
