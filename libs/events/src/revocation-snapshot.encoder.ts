import { createHash, randomUUID } from 'node:crypto';
import { EVENT_TYPES } from './event-types.js';
import { REVOCATION_EVENT_TYPES, revocationEventType, type Revocation } from './revocation.js';
import { assertRevocation } from './revocation-event.encoder.js';
import { SNAPSHOT_LIMITS, type RevocationSnapshot, type SnapshotChunkRef } from './revocation-snapshot.js';
import { isEventId } from './security-event-token.js';
import { encodeSecurityEvent, type EncodeEventOptions } from './security-event.encoder.js';

/**
 * One snapshot entry on the wire: `[target type, value, revoked_at, expires_at]`, plus the event type URI as a fifth
 * element when it is not the target type's default. Arrays, not objects: 1M entries are ~60 MB instead of ~110 MB.
 */
export type SnapshotEntry =
  | [type: Revocation['target']['type'], value: string, revokedAt: number, expiresAt: number]
  | [type: Revocation['target']['type'], value: string, revokedAt: number, expiresAt: number, eventType: string];

/** Options of {@link encodeRevocationSnapshot}: those of every event encoder, and the chunk size bound. */
export interface EncodeSnapshotOptions extends Omit<EncodeEventOptions, 'id'> {
  /** Max bytes of one chunk SET; default {@link SNAPSHOT_LIMITS}.maxChunkBytes (256 KiB). */
  maxChunkBytes?: number;
}

/** The records of one snapshot, to publish in this order: every chunk, then the manifest. */
export interface EncodedRevocationSnapshot {
  readonly chunks: readonly string[];
  readonly manifest: string;
}

/** Room for the SET envelope (header, `iss`, `aud`, `jti`, `snapshot_id`, signature) around the entries. */
const ENVELOPE_BYTES = 2048;

/**
 * Signs a snapshot of live revocations as Security Event Tokens: chunks of entries (each a SET of type
 * `revocation-snapshot-chunk` naming its snapshot and index, at most `maxChunkBytes`), and a manifest (type
 * `revocation-snapshot-manifest`) with the covered offsets and the SHA-256 of every chunk, which binds each chunk to
 * this snapshot and this position: a chunk replaced, reordered, dropped or taken from another snapshot is refused.
 * One signature per chunk instead of one per revocation. Throws a `TypeError` for an invalid revocation or options.
 *
 * @example
 * ```ts
 * const { chunks, manifest } = await encodeRevocationSnapshot(
 *   { id: randomUUID(), topic: TOPICS.revocations, slot: 0, offsets: { 0: '1200' }, revocations },
 *   { issuer, audience, signer },
 * );
 * ```
 */
export async function encodeRevocationSnapshot(
  snapshot: RevocationSnapshot,
  options: EncodeSnapshotOptions,
): Promise<EncodedRevocationSnapshot> {
  const { maxChunkBytes = SNAPSHOT_LIMITS.maxChunkBytes, ...eventOptions } = options;
  assertSnapshot(snapshot, maxChunkBytes);
  // base64url turns 3 bytes into 4: the entries' JSON may fill 3/4 of what is left after the envelope.
  const budget = Math.floor(((maxChunkBytes - ENVELOPE_BYTES) * 3) / 4);
  const chunks: string[] = [];
  const refs: SnapshotChunkRef[] = [];
  const seal = async (entries: SnapshotEntry[]): Promise<void> => {
    const payload = { snapshot_id: snapshot.id, index: chunks.length, entries };
    const jws = await encodeSecurityEvent(EVENT_TYPES.revocationSnapshotChunk, payload, {
      ...eventOptions,
      id: randomUUID(),
    });
    chunks.push(jws);
    refs.push({ sha256: sha256(jws), entries: entries.length });
  };
  let pending: SnapshotEntry[] = [];
  let bytes = 0;
  for (const revocation of snapshot.revocations) {
    assertRevocation(revocation);
    const entry = toEntry(revocation);
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (pending.length > 0 && bytes + size > budget) {
      await seal(pending);
      pending = [];
      bytes = 0;
    }
    pending.push(entry);
    bytes += size;
  }
  if (pending.length > 0) await seal(pending);
  if (refs.length > SNAPSHOT_LIMITS.maxChunks)
    throw new TypeError('snapshot has more chunks than SNAPSHOT_LIMITS allows');
  const manifest = await encodeSecurityEvent(
    EVENT_TYPES.revocationSnapshotManifest,
    {
      snapshot_id: snapshot.id,
      topic: snapshot.topic,
      slot: snapshot.slot,
      offsets: snapshot.offsets,
      chunks: refs,
      entries: refs.reduce((total, ref) => total + ref.entries, 0),
    },
    { ...eventOptions, id: randomUUID() },
  );
  return { chunks, manifest };
}

/**
 * The SHA-256 (base64url) of a chunk record's value, as its manifest lists it.
 *
 * @example
 * ```ts
 * sha256(record.value) === manifest.chunks[index].sha256;
 * ```
 */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

function toEntry(revocation: Revocation): SnapshotEntry {
  const { target, revokedAt, expiresAt } = revocation;
  const eventType = revocationEventType(revocation);
  return eventType === REVOCATION_EVENT_TYPES[target.type]
    ? [target.type, target.value, revokedAt, expiresAt]
    : [target.type, target.value, revokedAt, expiresAt, eventType];
}

function assertSnapshot(snapshot: RevocationSnapshot, maxChunkBytes: number): void {
  if (!isEventId(snapshot?.id)) throw new TypeError('"snapshot.id" must be a string of 1..256 characters');
  if (typeof snapshot.topic !== 'string' || snapshot.topic === '') throw new TypeError('"snapshot.topic" is required');
  if (snapshot.slot !== 0 && snapshot.slot !== 1) throw new TypeError('"snapshot.slot" must be 0 or 1');
  const offsets = Object.entries(snapshot.offsets ?? {});
  if (offsets.length === 0 || !offsets.every(([p, o]) => /^\d+$/.test(p) && /^\d+$/.test(o))) {
    throw new TypeError('"snapshot.offsets" must map partitions to decimal offsets');
  }
  if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < 4 * ENVELOPE_BYTES) {
    throw new TypeError(`"maxChunkBytes" must be an integer >= ${4 * ENVELOPE_BYTES}`);
  }
}
