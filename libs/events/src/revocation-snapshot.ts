import type { Revocation } from './revocation.js';

/**
 * Limits of a revocation snapshot. A chunk is one record of the snapshots topic, so it stays well under the broker's
 * default `max.message.bytes` (1 MiB); a manifest lists at most `maxChunks` chunk hashes.
 *
 * @example
 * ```ts
 * verifySecurityEvent(record.value, { ...options, maxBytes: SNAPSHOT_LIMITS.maxChunkBytes });
 * ```
 */
export const SNAPSHOT_LIMITS = {
  /** Max bytes of one chunk SET (the compact JWS), checked before anything is parsed. */
  maxChunkBytes: 256 * 1024,
  /** Max bytes of the manifest SET. */
  maxManifestBytes: 256 * 1024,
  /** Max chunks of one snapshot (at ~3 000 entries per chunk: ~12M entries). */
  maxChunks: 4096,
} as const;

/** The record key of the manifest: compaction keeps the newest one only. */
export const SNAPSHOT_MANIFEST_RECORD_KEY = 'manifest';

/**
 * The record key of chunk `index` in slot `slot`. Snapshots alternate between two slots, so publishing a new one
 * never overwrites the chunks the current manifest names, and compaction keeps at most two snapshots' chunks.
 *
 * @example
 * ```ts
 * snapshotChunkRecordKey(1, 3); // 'chunk:1:3'
 * ```
 */
export function snapshotChunkRecordKey(slot: SnapshotSlot, index: number): string {
  return `chunk:${slot}:${index}`;
}

/** One of the two sets of chunk record keys ({@link snapshotChunkRecordKey}). */
export type SnapshotSlot = 0 | 1;

/**
 * A snapshot of every live revocation as of some position of the revocations topic: everything published there
 * below `offsets[partition]` is in it (it may hold later ones too: applying a revocation twice changes nothing).
 *
 * @example
 * ```ts
 * const snapshot: RevocationSnapshot = { id: randomUUID(), topic: TOPICS.revocations, offsets: { 0: '1200' }, revocations };
 * ```
 */
export interface RevocationSnapshot {
  /** 1..256 characters; also in every chunk, which binds it to its manifest. */
  id: string;
  /** The revocations topic it covers. */
  topic: string;
  /** Where its chunks go: the other slot than the current snapshot's. */
  slot: SnapshotSlot;
  /** Per partition, the first offset NOT covered (decimal int64): a consumer reads the topic from there. */
  offsets: Readonly<Record<number, string>>;
  revocations: Iterable<Revocation>;
}

/** One chunk as the manifest names it: the SHA-256 (base64url) of the chunk's whole compact JWS, and its entry count. */
export interface SnapshotChunkRef {
  sha256: string;
  entries: number;
}

/**
 * A verified manifest: which snapshot, what it covers, its chunks.
 *
 * @example
 * ```ts
 * const { manifest } = await verifyRevocationSnapshot(records, options, (chunk) => chunk.forEach((r) => index.apply(r)));
 * reader.startFrom(manifest.offsets);
 * ```
 */
export interface VerifiedSnapshotManifest {
  readonly snapshotId: string;
  readonly topic: string;
  readonly slot: SnapshotSlot;
  readonly offsets: Readonly<Record<number, string>>;
  readonly chunks: readonly SnapshotChunkRef[];
  /** Total entries, the sum of the chunks'. */
  readonly entries: number;
  /** `iat` of the manifest SET (NumericDate, s). */
  readonly issuedAt: number;
  readonly eventId: string;
  readonly kid: string;
}
