/** The hash's top bits pick one of this many segments; each grows on its own, so a rehash moves 1/64 of the table. */
const SEGMENT_BITS = 6;
const SEGMENT_COUNT = 1 << SEGMENT_BITS;
/** Hashes are kept to 30 bits so they stay small integers (no boxed numbers on the lookup path). */
const HASH_BITS = 30;
const HOME_BITS = HASH_BITS - SEGMENT_BITS;
const HOME_MASK = (1 << HOME_BITS) - 1;
const HOME_RANGE = 2 ** HOME_BITS;
const MIN_SLOTS = 8;
/**
 * A segment grows by GROWTH once more than MAX_LOAD of its slots are taken, so it stays between 53 % and 80 % full
 * while it grows (20 or 24 bytes a slot → 25 to 38 or 30 to 45 bytes an entry); linear probing at 80 % still finds
 * a hit in about 3 probes and a miss in about 13, all in one or two cache lines.
 */
const MAX_LOAD = 0.8;
const GROWTH = 1.5;
/** A segment left under MIN_LOAD by a prune pass is rebuilt at SHRUNK_LOAD, so a burst of revocations gives back its memory. */
const MIN_LOAD = 0.25;
const SHRUNK_LOAD = 0.5;
const MAX_UINT32 = 0xffffffff;
/** 128 KiB of counters a table (0.13 B an entry at 1M, about 1.9 B at 200k with three tables in use). */
const FILTER_BUCKETS = 65536;
/** Each UTF-16 code unit as a lower-case hex digit, -1 for any other (64 KiB, once: one read a character, no range test). */
const HEX_DIGITS = new Int8Array(65536).fill(-1);
for (let digit = 0; digit < 16; digit += 1) HEX_DIGITS['0123456789abcdef'.charCodeAt(digit)] = digit;
/** Slot layout in 32-bit words: the UUID's 128 bits, then expiresAt (0 marks an empty slot), then revokedAt if kept. */
const EXPIRES_AT = 4;
const REVOKED_AT = 5;

interface Segment {
  slots: Int32Array;
  capacity: number;
  size: number;
}

/** Options of {@link UuidTable}. */
export interface UuidTableOptions {
  /** Keep each entry's `revokedAt` (4 more bytes a slot); without it {@link UuidTable.revokedAt} cannot be asked. */
  readonly withRevokedAt: boolean;
}

/** What {@link UuidTable.take} removed. `revokedAt` is undefined in a table without it. */
export interface UuidTableEntry {
  readonly revokedAt: number | undefined;
  readonly expiresAt: number;
}

/** One bounded slice of a {@link UuidTable.prune} pass. */
export interface PruneSlice {
  readonly removed: number;
  readonly visited: number;
  readonly done: boolean;
}

/**
 * An exact set of canonical lower-case UUIDs (as `crypto.randomUUID()` writes them) with an `expiresAt` and,
 * optionally, a `revokedAt` (NumericDates that fit in 32 bits), stored without their strings: 16 bytes of id and
 * 4 or 8 bytes of dates per slot in typed arrays, open addressing with linear probing. Keys are compared in full,
 * so there are no false positives. {@link set} answers false for anything else (another id shape, a date that
 * does not fit), which the caller keeps elsewhere.
 *
 * The table is split into 64 segments by hash, each growing by rehash on its own, so no insert moves more than
 * 1/64 of the entries. Deletion shifts the following entries back (no tombstones), so probe lengths do not decay
 * under churn and freed slots are reused at once.
 *
 * @example
 * ```ts
 * const table = new UuidTable({ withRevokedAt: false });
 * table.set('0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f01', revokedAt, expiresAt); // true
 * table.has('0b6c7d3e-8a4f-4c1e-9f2a-1d3b5c7e9f01'); // true
 * table.set('not-a-uuid', revokedAt, expiresAt); // false: keep it in a Map
 * ```
 */
export class UuidTable {
  private readonly stride: number;
  private readonly segments: Segment[];
  private entries = 0;
  /** The four 32-bit words of the last UUID parsed, in a typed array so that a lookup allocates nothing. */
  private readonly key = new Int32Array(4);
  /** The segment of the slot the last {@link locate} found. */
  private located: Segment;
  /**
   * Entries per bucket of (first 4 hex digits XOR last 4): a lookup whose bucket is empty is a miss after reading
   * 8 characters instead of 32 and probing nothing (most misses of a table of up to some 10^4 entries, such as
   * `sid` or `sub` next to a large `jti` table). Counts, not bits, so removals keep it exact; allocated on first use.
   */
  private filter: Uint16Array | undefined;
  /** Where an unfinished {@link prune} pass resumes. */
  private cursorSegment = 0;
  private cursorSlot = 0;

  constructor(private readonly options: UuidTableOptions) {
    this.stride = options.withRevokedAt ? 6 : 5;
    this.segments = Array.from({ length: SEGMENT_COUNT }, () => this.emptySegment(MIN_SLOTS));
    this.located = this.segments[0];
  }

  /** Number of entries. */
  get size(): number {
    return this.entries;
  }

  /** Number of slots allocated, taken or not. */
  get capacity(): number {
    return this.segments.reduce((total, segment) => total + segment.capacity, 0);
  }

  /** True when `value` is in the table (false for any value that is not a canonical lower-case UUID). */
  has(value: string): boolean {
    return this.locate(value) >= 0;
  }

  /** The `revokedAt` kept for `value`, or undefined when it is not in the table. */
  revokedAt(value: string): number | undefined {
    if (!this.options.withRevokedAt) {
      throw new TypeError('UuidTable.revokedAt: this table was built without withRevokedAt');
    }
    const base = this.locate(value);
    return base < 0 ? undefined : this.located.slots[base + REVOKED_AT] >>> 0;
  }

  /**
   * Records `value` (the latest `revokedAt` and `expiresAt` win) and answers true, or answers false and changes
   * nothing when it cannot be kept here: `value` is not a canonical lower-case UUID, or a date is not an integer
   * in 1..2^32-1 (`revokedAt` in 0..2^32-1, and only checked in a table that keeps it).
   */
  set(value: string, revokedAt: number, expiresAt: number): boolean {
    if (!fitsUint32(expiresAt) || expiresAt === 0) return false;
    if (this.options.withRevokedAt && !fitsUint32(revokedAt)) return false;
    if (!this.parse(value)) return false;
    const hash = this.hashParsed();
    const segment = this.segmentOf(hash);
    const found = this.find(segment, hash);
    if (found >= 0) {
      this.raise(segment.slots, found, revokedAt, expiresAt);
      return true;
    }
    if (segment.size + 1 > segment.capacity * MAX_LOAD) {
      this.resize(segment, Math.ceil(segment.capacity * GROWTH));
    }
    const base = this.freeSlot(segment, hash);
    const slots = segment.slots;
    slots.set(this.key, base);
    slots[base + EXPIRES_AT] = expiresAt | 0;
    if (this.options.withRevokedAt) slots[base + REVOKED_AT] = revokedAt | 0;
    this.countInFilter(this.key[0], this.key[3], 1);
    segment.size += 1;
    this.entries += 1;
    return true;
  }

  /** Removes `value` and returns what was kept for it, or undefined when it was not in the table. */
  take(value: string): UuidTableEntry | undefined {
    const base = this.locate(value);
    if (base < 0) return undefined;
    const segment = this.located;
    const entry = {
      revokedAt: this.options.withRevokedAt ? segment.slots[base + REVOKED_AT] >>> 0 : undefined,
      expiresAt: segment.slots[base + EXPIRES_AT] >>> 0,
    };
    this.removeAt(segment, base / this.stride);
    return entry;
  }

  /**
   * Removes the entries whose `expiresAt` is expired, looking at no more than `maxVisits` slots (empty ones
   * included, so a slice's work is bounded whatever the load): call again until `done`. A pass resumes where the
   * last one stopped; entries added meanwhile are seen by this pass or the next.
   */
  prune(isExpired: (expiresAt: number) => boolean, maxVisits: number): PruneSlice {
    let removed = 0;
    let visited = 0;
    while (this.cursorSegment < SEGMENT_COUNT) {
      const segment = this.segments[this.cursorSegment];
      while (this.cursorSlot < segment.capacity) {
        if (visited >= maxVisits) return { removed, visited, done: false };
        visited += 1;
        const expiresAt = segment.slots[this.cursorSlot * this.stride + EXPIRES_AT];
        if (expiresAt !== 0 && isExpired(expiresAt >>> 0)) {
          // The shift may bring a later entry into this slot: look at it again.
          this.removeAt(segment, this.cursorSlot);
          removed += 1;
        } else {
          this.cursorSlot += 1;
        }
      }
      this.shrinkIfSparse(segment);
      this.cursorSegment += 1;
      this.cursorSlot = 0;
    }
    this.cursorSegment = 0;
    return { removed, visited, done: true };
  }

  /** Reads a canonical lower-case UUID into w0..w3; false for anything else. */
  /** The base word of `value`'s slot, its segment left in `located`; -1 when it is not in the table. */
  private locate(value: string): number {
    if (!this.mayHold(value) || !this.parse(value)) return -1;
    const hash = this.hashParsed();
    this.located = this.segmentOf(hash);
    return this.find(this.located, hash);
  }

  /** False when `value` is certainly not here, from 8 of its 32 digits; true sends it to the exact lookup. */
  private mayHold(value: string): boolean {
    const filter = this.filter;
    if (filter === undefined || this.entries === 0 || value.length !== 36) return false;
    const first = hex4(value, 0);
    const last = hex4(value, 32);
    return (first | last) >= 0 && filter[first ^ last] !== 0;
  }

  /** Counts an entry in (+1) or out (-1) of its filter bucket; a bucket that reached 0xffff stays there, "maybe". */
  private countInFilter(w0: number, w3: number, delta: 1 | -1): void {
    this.filter ??= new Uint16Array(FILTER_BUCKETS);
    const bucket = (w0 >>> 16) ^ (w3 & 0xffff);
    if (this.filter[bucket] !== 0xffff) this.filter[bucket] += delta;
  }

  private parse(value: string): boolean {
    if (value.length !== 36) return false;
    if (value.charCodeAt(8) !== 45 || value.charCodeAt(13) !== 45) return false;
    if (value.charCodeAt(18) !== 45 || value.charCodeAt(23) !== 45) return false;
    // Four digits at a time (0..0xffff, -1 if one is not a lower-case hex digit): small integers, never boxed.
    const h0 = hex4(value, 0);
    const h1 = hex4(value, 4);
    const h2 = hex4(value, 9);
    const h3 = hex4(value, 14);
    const h4 = hex4(value, 19);
    const h5 = hex4(value, 24);
    const h6 = hex4(value, 28);
    const h7 = hex4(value, 32);
    if ((h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) < 0) return false;
    const key = this.key;
    key[0] = (h0 << 16) | h1;
    key[1] = (h2 << 16) | h3;
    key[2] = (h4 << 16) | h5;
    key[3] = (h6 << 16) | h7;
    return true;
  }

  private hashParsed(): number {
    const key = this.key;
    return hashWords(key[0], key[1], key[2], key[3]);
  }

  private segmentOf(hash: number): Segment {
    return this.segments[hash >>> HOME_BITS];
  }

  /** The base word of the parsed UUID's slot in `segment`, or -1. */
  private find(segment: Segment, hash: number): number {
    const { slots, capacity } = segment;
    const stride = this.stride;
    const key = this.key;
    const w0 = key[0];
    const w1 = key[1];
    const w2 = key[2];
    const w3 = key[3];
    let slot = homeSlot(hash, capacity);
    for (;;) {
      const base = slot * stride;
      if (slots[base + EXPIRES_AT] === 0) return -1;
      if (slots[base] === w0 && slots[base + 1] === w1 && slots[base + 2] === w2 && slots[base + 3] === w3) {
        return base;
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  /** The base word of the first empty slot from the hash's home slot on (there always is one: load ≤ MAX_LOAD). */
  private freeSlot(segment: Segment, hash: number): number {
    const { slots, capacity } = segment;
    let slot = homeSlot(hash, capacity);
    while (slots[slot * this.stride + EXPIRES_AT] !== 0) {
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    return slot * this.stride;
  }

  private raise(slots: Int32Array, base: number, revokedAt: number, expiresAt: number): void {
    if (expiresAt > slots[base + EXPIRES_AT] >>> 0) slots[base + EXPIRES_AT] = expiresAt | 0;
    if (this.options.withRevokedAt && revokedAt > slots[base + REVOKED_AT] >>> 0) {
      slots[base + REVOKED_AT] = revokedAt | 0;
    }
  }

  /**
   * Empties `slot` by shifting back each following entry of its cluster that may sit closer to its home slot
   * (linear probing's deletion without tombstones): a lookup then never meets a gap before its key.
   */
  private removeAt(segment: Segment, slot: number): void {
    const { slots, capacity } = segment;
    const stride = this.stride;
    this.countInFilter(slots[slot * stride], slots[slot * stride + 3], -1);
    let hole = slot;
    let next = slot;
    for (;;) {
      next = next + 1 === capacity ? 0 : next + 1;
      const base = next * stride;
      if (slots[base + EXPIRES_AT] === 0) break;
      const home = homeSlot(hashWords(slots[base], slots[base + 1], slots[base + 2], slots[base + 3]), capacity);
      const fromHome = (next - home + capacity) % capacity;
      const fromHole = (next - hole + capacity) % capacity;
      if (fromHome >= fromHole) {
        slots.copyWithin(hole * stride, base, base + stride);
        hole = next;
      }
    }
    slots.fill(0, hole * stride, hole * stride + stride);
    segment.size -= 1;
    this.entries -= 1;
  }

  private shrinkIfSparse(segment: Segment): void {
    if (segment.capacity > MIN_SLOTS && segment.size < segment.capacity * MIN_LOAD) {
      this.resize(segment, Math.max(MIN_SLOTS, Math.ceil(segment.size / SHRUNK_LOAD)));
    }
  }

  /** Rehashes `segment` into `capacity` slots; an unfinished prune pass in it starts that segment over. */
  private resize(segment: Segment, capacity: number): void {
    const old = segment.slots;
    const stride = this.stride;
    const resized = this.emptySegment(capacity);
    for (let base = 0; base < old.length; base += stride) {
      if (old[base + EXPIRES_AT] === 0) continue;
      const hash = hashWords(old[base], old[base + 1], old[base + 2], old[base + 3]);
      const target = this.freeSlot(resized, hash);
      for (let word = 0; word < stride; word += 1) resized.slots[target + word] = old[base + word];
    }
    segment.slots = resized.slots;
    segment.capacity = capacity;
    if (this.segments[this.cursorSegment] === segment) this.cursorSlot = 0;
  }

  private emptySegment(capacity: number): Segment {
    return { slots: new Int32Array(capacity * this.stride), capacity, size: 0 };
  }
}

function fitsUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_UINT32;
}

/** The 4 lower-case hex digits of `value` from `start` as 0..0xffff, or -1 if one is anything else. */
function hex4(value: string, start: number): number {
  const d0 = HEX_DIGITS[value.charCodeAt(start)];
  const d1 = HEX_DIGITS[value.charCodeAt(start + 1)];
  const d2 = HEX_DIGITS[value.charCodeAt(start + 2)];
  const d3 = HEX_DIGITS[value.charCodeAt(start + 3)];
  return (d0 | d1 | d2 | d3) < 0 ? -1 : (d0 << 12) | (d1 << 8) | (d2 << 4) | d3;
}

/** Mixes all 128 bits (murmur3-style multiply and xor-shift), so time-ordered UUIDs (v1, v7) spread as well. */
function hashWords(w0: number, w1: number, w2: number, w3: number): number {
  let hash = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13) ^ w1, 0xc2b2ae35);
  hash = Math.imul(hash ^ (hash >>> 16) ^ w2, 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13) ^ w3, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> (32 - HASH_BITS);
}

/** The hash's low bits scaled to 0..capacity-1 (any capacity, not only powers of two; even up to 2^24 slots). */
function homeSlot(hash: number, capacity: number): number {
  return Math.floor(((hash & HOME_MASK) * capacity) / HOME_RANGE);
}
