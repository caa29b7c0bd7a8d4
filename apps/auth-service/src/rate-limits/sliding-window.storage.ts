import { AsyncResource } from 'node:async_hooks';
import type { OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What `increment` answers (the package does not export its `ThrottlerStorageRecord`). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often keys whose hits have all expired are forgotten (the default storage's `DEFAULT_SWEEP_INTERVAL`). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The expiry times of one key's counted hits under one throttler, earliest first, in an array read from `head`.
 * Hits are pushed in time order with one ttl per throttler, so expired ones are all at the front and the earliest
 * expiry is the front. Should the wall clock step back, hits pushed after the step wait behind the older ones: they
 * are counted longer (never less) until those expire, at most the step plus the window.
 */
class ExpiryQueue {
  private expiries: number[] = [];
  private head = 0;

  get size(): number {
    return this.expiries.length - this.head;
  }

  /** The earliest expiry still held, if any. */
  get earliest(): number | undefined {
    return this.size > 0 ? this.expiries[this.head] : undefined;
  }

  /** Whether a hit is still counted at `now`: the latest expiry is the last one pushed. */
  hasLiveHits(now: number): boolean {
    return this.size > 0 && (this.expiries.at(-1) as number) > now;
  }

  push(expiresAt: number): void {
    this.expiries.push(expiresAt);
  }

  dropExpired(now: number): void {
    while (this.head < this.expiries.length && this.expiries[this.head] <= now) this.head += 1;
    // Compacting once the dead front outweighs the live part moves fewer entries than were dropped: O(1) amortised.
    if (this.head * 2 < this.expiries.length) return;
    this.expiries.copyWithin(0, this.head);
    this.expiries.length -= this.head;
    this.head = 0;
  }
}

/** One key: the default storage's window timer (`timeToExpire`) and a queue per throttler. */
interface KeyRecord {
  expiresAt: number;
  readonly hits: Map<string, ExpiryQueue>;
}

function hasLiveHits(record: KeyRecord, now: number): boolean {
  for (const hits of record.hits.values()) if (hits.hasLiveHits(now)) return true;
  return false;
}

/**
 * A `@nestjs/throttler` storage for sliding windows (`blockDuration: 0`) giving the same answers as the package's
 * default in-memory `ThrottlerStorageService`, at O(1) amortised cost per request. Why not the default: it keeps one
 * expiry per counted hit and on every request copies the whole array (`filter`) and takes `Math.min(...hits)`, so a
 * request costs time and garbage in proportion to the limit (a client allowed 200,000 a window took 228 s for
 * 200,000 requests in a plain loop), and a spread of that many arguments can throw `RangeError: Maximum call stack
 * size exceeded` (`Math.min(...new Array(130_000))` does, unoptimised). Here the expiries are a queue: expired ones
 * leave from the front, the count is its length, the earliest expiry (`Retry-After`) its front.
 *
 * Per instance, in memory, as the default. Keys with no live hit are swept every minute (timer `unref()`ed, stopped
 * on module destroy). A blocking throttler (`blockDuration > 0`) is refused with a `TypeError`: the service configures
 * none, and its default semantics (a block shared by the key's throttlers, hits reset when it ends) are not needed.
 *
 * @example
 * ThrottlerModule.forRoot({ throttlers: [{ name: 'token', limit: 600, ttl: 60_000, blockDuration: 0 }], storage: new SlidingWindowStorage() })
 */
export class SlidingWindowStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly records = new Map<string, KeyRecord>();
  private sweepTimer: NodeJS.Timeout | undefined;

  // Bound outside any request's async context: the timer would otherwise keep the first request's context alive.
  private readonly startSweep = AsyncResource.bind(() => {
    this.sweepTimer = setInterval(() => this.forgetIdleKeys(Date.now()), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  });

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (blockDuration > 0) {
      throw new TypeError(
        `SlidingWindowStorage: blockDuration of the "${throttlerName}" throttler must be 0 (sliding window), got ${blockDuration}`,
      );
    }
    if (this.sweepTimer === undefined) this.startSweep();
    const now = Date.now();
    const record = this.recordOf(key, now + ttl);
    const hits = this.hitsOf(record, throttlerName);
    hits.dropExpired(now);
    if (record.expiresAt <= now) record.expiresAt = now + ttl;
    const timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    const isBlocked = hits.size >= limit;
    if (!isBlocked) hits.push(now + ttl);
    const earliest = hits.earliest;
    const timeToBlockExpire = earliest === undefined ? timeToExpire : Math.ceil((earliest - now) / 1000);
    return {
      totalHits: hits.size + (isBlocked ? 1 : 0),
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? timeToBlockExpire : 0,
    };
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.records.clear();
  }

  /** Forgets the keys whose window timer has run out and whose hits have all expired (as the default's sweep). */
  forgetIdleKeys(now: number): void {
    for (const [key, record] of this.records) {
      if (record.expiresAt > now) continue;
      if (hasLiveHits(record, now)) continue;
      this.records.delete(key);
    }
  }

  /** The number of keys held (for tests of the sweep). */
  get keyCount(): number {
    return this.records.size;
  }

  private recordOf(key: string, expiresAt: number): KeyRecord {
    let record = this.records.get(key);
    if (record === undefined) {
      record = { expiresAt, hits: new Map() };
      this.records.set(key, record);
    }
    return record;
  }

  private hitsOf(record: KeyRecord, throttlerName: string): ExpiryQueue {
    let hits = record.hits.get(throttlerName);
    if (hits === undefined) {
      hits = new ExpiryQueue();
      record.hits.set(throttlerName, hits);
    }
    return hits;
  }
}
