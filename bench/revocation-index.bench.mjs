#!/usr/bin/env node
/**
 * The revocation index at scale, side by side in one run: the previous shape (one Map of objects per target
 * type, copied below as the baseline) and RevocationIndex (UUIDs in a typed-array hash table), for N live `jti`
 * revocations (random v4 UUIDs, as the issuer writes them), plus N/100 `sid` and N/100 `sub` ones so that a miss
 * looks into every store, none of them empty. For each N and variant:
 * - heap bytes per entry: heapUsed + arrayBuffers after gc, minus the same before building, over all entries;
 * - lookup ns per match() for hits (the jti is revoked) and misses (nothing matches: all five target types are
 *   looked at), p50/p99 over batches timed with performance.now();
 * - false positives among 1M random non-member probes (must be 0);
 * - a prune pass removing half the entries, in slices of 10,000 visits as ResourceServer runs it: total ms, the
 *   median slice and the longest (the first slices run before the JIT has optimised the code);
 * - the longest single apply(), which is where a rehash pauses the event loop.
 * Lookups are measured in 3 rounds and the round with the lowest p99 is kept, for both variants alike; batches
 * during which the process was descheduled (CPU time short of wall time) are left out and their share reported. A pause
 * (an apply, a prune slice) is the CPU time of this process (process.cpuUsage), so time spent waiting for a CPU on
 * a loaded machine does not count; one that overlaps a garbage collection is counted apart (longest GC pause), so
 * the longest apply and slice are the index's own work.
 *
 *   npm run bench:index   (builds, then node --expose-gc bench/revocation-index.bench.mjs)
 *   BENCH_SIZES=200000,1000000 BENCH_PROBES=1000000 to change the sizes and the number of miss probes.
 */
import { loadavg } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { RevocationIndex } from '../dist/libs/auth/src/core.js';

if (typeof globalThis.gc !== 'function') {
  console.error('Run with node --expose-gc (npm run bench:index does).');
  process.exit(1);
}

const SIZES = (process.env.BENCH_SIZES ?? '200000,1000000').split(',').map(Number);
const MISS_PROBES = Number(process.env.BENCH_PROBES ?? 1_000_000);
const LOOKUPS = 200_000;
const BATCH = 50;
const SLICE_VISITS = 10_000;
const GRACE_SECONDS = 30;
const NOW_S = Math.floor(Date.now() / 1000);
const ROUNDS = 3;

/** Garbage collections seen so far, as [start, end] in performance.now() time. */
const collections = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push([entry.startTime, entry.startTime + entry.duration]);
}).observe({ entryTypes: ['gc'] });

/** Tracks the longest of many timed pauses, keeping those that overlap a GC apart. */
class LongestPause {
  constructor() {
    this.candidates = [];
  }
  /** Times `work()`: wall clock to match GC entries, CPU time as the figure. */
  time(work) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = work();
    const ended = performance.now();
    if (ended - started >= 0.2) {
      const { user, system } = process.cpuUsage(cpuBefore);
      this.candidates.push([started, ended, (user + system) / 1000]);
    }
    return result;
  }
  /** Waits for the GC entries of the work just done, then answers { ownMs, gcMs }. */
  async result() {
    await new Promise((resolve) => setTimeout(resolve, 50));
    let ownMs = 0;
    let gcMs = 0;
    for (const [started, ended, cpuMs] of this.candidates) {
      const duringGc = collections.some(([from, to]) => from < ended && to > started);
      if (duringGc) gcMs = Math.max(gcMs, cpuMs);
      else ownMs = Math.max(ownMs, cpuMs);
    }
    return { ownMs, gcMs };
  }
}

/** The index as it was before the UUID table: one Map<string, { revokedAt, expiresAt }> per target type. */
class MapIndex {
  constructor(options) {
    this.options = options;
    this.entries = { jti: new Map(), sid: new Map(), sub: new Map(), client: new Map(), kid: new Map() };
    this.cursor = undefined;
  }
  get size() {
    return Object.values(this.entries).reduce((total, map) => total + map.size, 0);
  }
  apply({ target, revokedAt, expiresAt }) {
    if (this.isExpired(expiresAt)) return false;
    const map = this.entries[target.type];
    const existing = map.get(target.value);
    map.set(target.value, {
      revokedAt: Math.max(existing?.revokedAt ?? revokedAt, revokedAt),
      expiresAt: Math.max(existing?.expiresAt ?? expiresAt, expiresAt),
    });
    return true;
  }
  match(token) {
    if (this.entries.jti.has(token.jti)) return 'jti';
    if (token.sid !== undefined && this.entries.sid.has(token.sid)) return 'sid';
    if (this.entries.kid.has(token.kid)) return 'kid';
    const sub = this.entries.sub.get(token.sub);
    if (sub !== undefined && token.iat <= sub.revokedAt) return 'sub';
    const client = this.entries.client.get(token.client_id);
    if (client !== undefined && token.iat <= client.revokedAt) return 'client';
    return undefined;
  }
  prune(maxVisits = Number.POSITIVE_INFINITY) {
    this.cursor ??= { types: Object.keys(this.entries), entries: this.entries.jti.entries() };
    let removed = 0;
    let visited = 0;
    for (;;) {
      const next = this.cursor.entries.next();
      if (next.done) {
        this.cursor.types.shift();
        const type = this.cursor.types[0];
        if (type === undefined) {
          this.cursor = undefined;
          return { removed, done: true };
        }
        this.cursor.entries = this.entries[type].entries();
        continue;
      }
      const [value, entry] = next.value;
      if (this.isExpired(entry.expiresAt)) {
        this.entries[this.cursor.types[0]].delete(value);
        removed += 1;
      }
      visited += 1;
      if (visited >= maxVisits) return { removed, done: false };
    }
  }
  isExpired(expiresAt) {
    return (expiresAt + this.options.graceSeconds) * 1000 < this.options.clock();
  }
}

const VARIANTS = { 'Map (before)': MapIndex, 'UUID table (now)': RevocationIndex };

/**
 * A deterministic random v4 UUID: the same (i, stream) gives the same string, so hits can be re-made. Written
 * into a buffer and decoded, so it is one flat string as JSON.parse would give, not a tree of slices.
 */
const uuidBytes = Buffer.alloc(36);
function uuid(i, stream) {
  const words = [0, 1, 2, 3].map((w) => mix(i * 4 + w, stream));
  words[1] = ((words[1] & 0xffff0fff) | 0x4000) >>> 0;
  words[2] = ((words[2] & 0x3fffffff) | 0x80000000) >>> 0;
  const hex = words.map((w) => w.toString(16).padStart(8, '0')).join('');
  uuidBytes.write(hex.slice(0, 8), 0, 'latin1');
  uuidBytes.write('-', 8, 'latin1');
  uuidBytes.write(hex.slice(8, 12), 9, 'latin1');
  uuidBytes.write('-', 13, 'latin1');
  uuidBytes.write(hex.slice(12, 16), 14, 'latin1');
  uuidBytes.write('-', 18, 'latin1');
  uuidBytes.write(hex.slice(16, 20), 19, 'latin1');
  uuidBytes.write('-', 23, 'latin1');
  uuidBytes.write(hex.slice(20), 24, 'latin1');
  return uuidBytes.toString('latin1');
}

function mix(x, seed) {
  let h = Math.imul(x ^ Math.imul(seed, 0x9e3779b9), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

function token(jti, i) {
  return { jti, sid: uuid(i, 3), sub: uuid(i, 4), client_id: 'demo-app', iat: NOW_S - 10, kid: 'k1' };
}

function heapBytes() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** ns per match() over batches of BATCH lookups; throws if a probe answers the wrong way. */
function lookupNs(index, tokens, expected) {
  let best;
  for (let round = 0; round < ROUNDS; round += 1) {
    const measured = lookupRound(index, tokens, expected);
    if (best === undefined || measured.p99 < best.p99) best = measured;
  }
  return best;
}

/**
 * One round of LOOKUPS lookups in batches. A batch during which the process was off the CPU (its CPU time short
 * of the wall-clock time: the scheduler ran another job) is left out and counted, so that on a shared machine the
 * percentiles are the index's, not the scheduler's.
 */
function lookupRound(index, tokens, expected) {
  const perLookup = [];
  let descheduled = 0;
  for (let round = 0; round < LOOKUPS / BATCH; round += 1) {
    const offset = (round * BATCH) % (tokens.length - BATCH);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = offset; i < offset + BATCH; i += 1) {
      if (index.match(tokens[i]) !== expected) throw new Error(`wrong answer for probe ${i}`);
    }
    const wallMicros = (performance.now() - started) * 1000;
    const { user, system } = process.cpuUsage(cpuBefore);
    if (wallMicros - (user + system) > Math.max(2, wallMicros * 0.1)) descheduled += 1;
    else perLookup.push((wallMicros * 1000) / BATCH);
  }
  perLookup.sort((a, b) => a - b);
  return {
    p50: percentile(perLookup, 50),
    p99: percentile(perLookup, 99),
    descheduledShare: descheduled / (LOOKUPS / BATCH),
  };
}

function falsePositives(index) {
  let hits = 0;
  for (let i = 0; i < MISS_PROBES; i += 1) {
    if (index.match({ jti: uuid(i, 2), sub: 'nobody', client_id: 'nobody', iat: NOW_S, kid: 'k1' })) hits += 1;
  }
  return hits;
}

async function measure(Variant, n) {
  const clock = { now: NOW_S * 1000 };
  const before = heapBytes();
  const index = new Variant({ clock: () => clock.now, graceSeconds: GRACE_SECONDS });
  const applyPauses = new LongestPause();
  for (let i = 0; i < n; i += 1) {
    const revocation = {
      target: { type: 'jti', value: uuid(i, 1) },
      revokedAt: NOW_S,
      expiresAt: NOW_S + (i % 2 === 0 ? 300 : 3600),
    };
    applyPauses.time(() => index.apply(revocation));
  }
  for (let i = 0; i < n / 100; i += 1) {
    for (const [type, stream] of [
      ['sid', 6],
      ['sub', 7],
    ]) {
      index.apply({ target: { type, value: uuid(i, stream) }, revokedAt: NOW_S, expiresAt: NOW_S + 3600 });
    }
  }
  const entries = index.size;
  const bytesPerEntry = (heapBytes() - before) / entries;
  const apply = await applyPauses.result();

  const sample = Math.min(n, 20_000);
  const hitTokens = Array.from({ length: sample }, (_, k) => token(uuid(mix(k, 9) % n, 1), k));
  const missTokens = Array.from({ length: sample }, (_, k) => token(uuid(k, 5), k));
  const hit = lookupNs(index, hitTokens, 'jti');
  const miss = lookupNs(index, missTokens, undefined);
  const wrong = falsePositives(index);

  clock.now = (NOW_S + 1000) * 1000;
  const sliceMs = [];
  const slicePauses = new LongestPause();
  let removed = 0;
  for (let done = false; !done;) {
    const started = performance.now();
    const slice = slicePauses.time(() => index.prune(SLICE_VISITS));
    sliceMs.push(performance.now() - started);
    removed += slice.removed;
    done = slice.done;
  }
  if (removed !== n / 2 || index.size !== entries - n / 2) throw new Error(`prune removed ${removed} of ${n}`);
  return {
    bytesPerEntry,
    hitP50Ns: hit.p50,
    hitP99Ns: hit.p99,
    hitBatchesLeftOut: hit.descheduledShare,
    missP50Ns: miss.p50,
    missP99Ns: miss.p99,
    missBatchesLeftOut: miss.descheduledShare,
    falsePositives: wrong,
    missProbes: MISS_PROBES,
    pruneMs: sliceMs.reduce((total, ms) => total + ms, 0),
    medianSliceMs: sliceMs.sort((a, b) => a - b)[Math.floor(sliceMs.length / 2)],
    longestSliceMs: (await slicePauses.result()).ownMs,
    longestApplyMs: apply.ownMs,
    longestGcPauseMs: apply.gcMs,
  };
}

const results = [];
const loadBefore = loadavg()[0];
for (const n of SIZES) {
  for (const [variant, Variant] of Object.entries(VARIANTS)) {
    results.push({ variant, entries: n, ...(await measure(Variant, n)) });
  }
}

const round = (value, digits = 1) => Number(value.toFixed(digits));
console.table(
  results.map((r) => ({
    variant: r.variant,
    entries: r.entries,
    'B/entry': round(r.bytesPerEntry),
    'hit p50/p99 ns': `${round(r.hitP50Ns, 0)} / ${round(r.hitP99Ns, 0)}`,
    'miss p50/p99 ns': `${round(r.missP50Ns, 0)} / ${round(r.missP99Ns, 0)}`,
    'false pos.': `${r.falsePositives} / ${r.missProbes}`,
    'prune pass ms': round(r.pruneMs),
    'slice ms median / longest (CPU)': `${round(r.medianSliceMs, 2)} / ${round(r.longestSliceMs, 2)}`,
    'longest apply ms (CPU)': round(r.longestApplyMs, 2),
    'longest GC pause ms': round(r.longestGcPauseMs, 1),
  })),
);
const load = { before: round(loadBefore, 2), after: round(loadavg()[0], 2) };
console.log(
  `1-minute load average ${load.before} before, ${load.after} after (wall-clock figures include waiting for a CPU)`,
);
console.log(
  `BENCH ${JSON.stringify({
    loadAverage: load,
    index: results.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v, 2) : v])),
    ),
  })}`,
);
