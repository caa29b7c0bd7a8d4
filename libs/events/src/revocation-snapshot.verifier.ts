import { EVENT_TYPES } from './event-types.js';
import { failEvent } from './event-verification.error.js';
import {
  REVOCATION_EVENT_TARGETS,
  REVOCATION_EVENT_TYPES,
  REVOCATION_TARGET_TYPES,
  type Revocation,
  type RevocationEventType,
  type RevocationTargetType,
} from './revocation.js';
import { sha256 } from './revocation-snapshot.encoder.js';
import {
  SNAPSHOT_LIMITS,
  type SnapshotChunkRef,
  type SnapshotSlot,
  type VerifiedSnapshotManifest,
} from './revocation-snapshot.js';
import { isEventId, isNumericDate, isPlainObject } from './security-event-token.js';
import {
  verifySecurityEvent,
  type VerifiedSecurityEvent,
  type VerifySecurityEventOptions,
} from './security-event.verifier.js';

/** Options of {@link verifyRevocationSnapshot}: those of {@link verifySecurityEvent} but the types and size bound. */
export interface VerifySnapshotOptions extends Omit<VerifySecurityEventOptions, 'types' | 'maxBytes'> {
  /** The revocations topic this consumer reads: a snapshot of another topic is refused. */
  topic: string;
}

/**
 * The records of the snapshots topic a consumer read: the newest manifest, and the chunks by record key.
 *
 * @example
 * ```ts
 * const records: SnapshotRecords = { manifest, chunk: (slot, index) => byKey.get(snapshotChunkRecordKey(slot, index)) };
 * ```
 */
export interface SnapshotRecords {
  readonly manifest: string;
  chunk(slot: SnapshotSlot, index: number): string | undefined;
}

const MANIFEST_TYPES: ReadonlySet<string> = new Set([EVENT_TYPES.revocationSnapshotManifest]);
const CHUNK_TYPES: ReadonlySet<string> = new Set([EVENT_TYPES.revocationSnapshotChunk]);

/**
 * Verifies a revocation snapshot and hands its revocations over chunk by chunk: the manifest SET first (signature,
 * `iss`, `aud`, the topic it covers), then the SHA-256 of every chunk against the manifest (cheap: a chunk that is
 * missing, altered or from another snapshot is refused before any entry is used), then each chunk's own SET
 * (signature, its `snapshot_id` and `index`, its entry count and every entry). `onChunk` is called once per verified
 * chunk, in order; when a later chunk fails, the revocations already handed over are genuine signed ones, so applying
 * them is safe, but the snapshot as a whole is refused (throws) and the consumer must read the topic instead.
 *
 * Throws {@link EventVerificationError} for anything that is the snapshot's fault; what `resolveKey` throws
 * propagates unchanged; a `TypeError` for invalid options.
 *
 * @example
 * ```ts
 * const manifest = await verifyRevocationSnapshot(records, { ...eventOptions, topic: TOPICS.revocations }, (revocations) => {
 *   for (const revocation of revocations) index.apply(revocation);
 * });
 * // then read the revocations topic from manifest.offsets
 * ```
 */
export async function verifyRevocationSnapshot(
  records: SnapshotRecords,
  options: VerifySnapshotOptions,
  onChunk: (revocations: Revocation[], index: number) => void,
): Promise<VerifiedSnapshotManifest> {
  const { topic, ...eventOptions } = options;
  const manifest = parseManifest(
    await verifySecurityEvent(records.manifest, {
      ...eventOptions,
      types: MANIFEST_TYPES,
      maxBytes: SNAPSHOT_LIMITS.maxManifestBytes,
    }),
  );
  if (manifest.topic !== topic) failEvent('ERR_EVENT_CLAIMS_INVALID', 'snapshot of another topic');
  const chunks = manifest.chunks.map((ref, index) => {
    const value = records.chunk(manifest.slot, index);
    if (value === undefined) return failEvent('ERR_EVENT_MALFORMED', `snapshot chunk ${index} is missing`);
    if (sha256(value) !== ref.sha256)
      failEvent('ERR_EVENT_SIGNATURE_INVALID', `snapshot chunk ${index} does not match its manifest`);
    return value;
  });
  for (const [index, value] of chunks.entries()) {
    const event = await verifySecurityEvent(value, {
      ...eventOptions,
      types: CHUNK_TYPES,
      maxBytes: SNAPSHOT_LIMITS.maxChunkBytes,
    });
    onChunk(parseChunk(event, manifest, index), index);
  }
  return manifest;
}

function parseManifest(event: VerifiedSecurityEvent): VerifiedSnapshotManifest {
  const { snapshot_id: snapshotId, topic, slot, offsets, chunks, entries } = event.payload;
  if (slot !== 0 && slot !== 1) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "slot"');
  if (!isEventId(snapshotId)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "snapshot_id"');
  if (typeof topic !== 'string' || topic === '') failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "topic"');
  if (!isOffsets(offsets)) failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "offsets"');
  if (!Array.isArray(chunks) || chunks.length > SNAPSHOT_LIMITS.maxChunks || !chunks.every(isChunkRef)) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid "chunks"');
  }
  const refs = chunks;
  if (entries !== refs.reduce((total, ref) => total + ref.entries, 0)) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', '"entries" is not the sum of the chunks\'');
  }
  return {
    snapshotId,
    topic,
    slot,
    offsets: Object.fromEntries(Object.entries(offsets).map(([p, o]) => [Number(p), o])),
    chunks: refs,
    entries: entries,
    issuedAt: event.issuedAt,
    eventId: event.eventId,
    kid: event.kid,
  };
}

function parseChunk(event: VerifiedSecurityEvent, manifest: VerifiedSnapshotManifest, index: number): Revocation[] {
  const { snapshot_id: snapshotId, index: chunkIndex, entries } = event.payload;
  if (snapshotId !== manifest.snapshotId) failEvent('ERR_EVENT_CLAIMS_INVALID', 'chunk of another snapshot');
  if (chunkIndex !== index) failEvent('ERR_EVENT_CLAIMS_INVALID', 'chunk "index" is not its place in the manifest');
  if (!Array.isArray(entries) || entries.length !== manifest.chunks[index].entries) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'chunk "entries" do not match the manifest');
  }
  return entries.map(parseEntry);
}

function parseEntry(entry: unknown): Revocation {
  if (!Array.isArray(entry) || entry.length < 4 || entry.length > 5) {
    return failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid snapshot entry');
  }
  const [type, value, revokedAt, expiresAt, eventType] = entry as unknown[];
  if (!REVOCATION_TARGET_TYPES.includes(type as RevocationTargetType) || !isEventId(value)) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid snapshot entry target');
  }
  if (!isNumericDate(revokedAt) || !isNumericDate(expiresAt) || expiresAt < revokedAt) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid snapshot entry dates');
  }
  const targetType = type as RevocationTargetType;
  if (eventType === undefined) return { target: { type: targetType, value }, revokedAt, expiresAt };
  if (
    REVOCATION_EVENT_TARGETS[eventType as RevocationEventType] !== targetType ||
    REVOCATION_EVENT_TYPES[targetType] === eventType
  ) {
    failEvent('ERR_EVENT_CLAIMS_INVALID', 'invalid snapshot entry event type');
  }
  return { target: { type: targetType, value }, revokedAt, expiresAt, eventType: eventType as RevocationEventType };
}

function isOffsets(value: unknown): value is Record<string, string> {
  if (!isPlainObject(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([p, o]) => /^\d{1,9}$/.test(p) && typeof o === 'string' && /^\d{1,19}$/.test(o))
  );
}

function isChunkRef(value: unknown): value is SnapshotChunkRef {
  return (
    isPlainObject(value) &&
    typeof value.sha256 === 'string' &&
    /^[A-Za-z0-9_-]{43}$/.test(value.sha256) &&
    Number.isSafeInteger(value.entries) &&
    (value.entries as number) > 0
  );
}
