import { describe, expect, it } from '@jest/globals';
import { generateKeyPair } from 'jose';
import { EVENT_TYPES } from './event-types.js';
import { EventVerificationError } from './event-verification.error.js';
import type { Revocation } from './revocation.js';
import { encodeRevocationSnapshot, sha256, type EncodedRevocationSnapshot } from './revocation-snapshot.encoder.js';
import { snapshotChunkRecordKey, type RevocationSnapshot, type SnapshotSlot } from './revocation-snapshot.js';
import { verifyRevocationSnapshot, type VerifySnapshotOptions } from './revocation-snapshot.verifier.js';
import { encodeSecurityEvent, type EventSigner } from './security-event.encoder.js';

const ISSUER = 'https://auth.example.test';
const TOPIC = 'auth.revocations.v1';
const NOW_S = 1_790_000_000;

const keys = await generateKeyPair('ES256', { extractable: true });
const otherKeys = await generateKeyPair('ES256', { extractable: true });
const signer: EventSigner = { kid: 'k1', alg: 'ES256', privateKey: keys.privateKey };
const encodeOptions = { issuer: ISSUER, audience: ['orders-service'], signer, maxChunkBytes: 16 * 1024 };
const verifyOptions: VerifySnapshotOptions = {
  issuer: ISSUER,
  audience: 'orders-service',
  algorithms: ['ES256'],
  topic: TOPIC,
  resolveKey: async () => keys.publicKey,
};

function revocations(count: number, prefix = 'jti'): Revocation[] {
  return Array.from({ length: count }, (_, i) => ({
    target: { type: 'jti' as const, value: `${prefix}-${i}-0123456789abcdef` },
    revokedAt: NOW_S,
    expiresAt: NOW_S + 300 + i,
  }));
}

const subjectChange: Revocation = {
  target: { type: 'sub', value: 'user-42' },
  revokedAt: NOW_S,
  expiresAt: NOW_S + 300,
  eventType: EVENT_TYPES.credentialChange,
};

function snapshot(id: string, list: Revocation[]): RevocationSnapshot {
  return { id, topic: TOPIC, slot: 0, offsets: { 0: '1200' }, revocations: list };
}

/** The records as a consumer reads them: every chunk under its record key. */
function recordsOf(encoded: EncodedRevocationSnapshot, chunks = [...encoded.chunks]) {
  const byKey = new Map(chunks.map((value, index) => [snapshotChunkRecordKey(0, index), value]));
  return {
    manifest: encoded.manifest,
    chunk: (slot: SnapshotSlot, index: number) => byKey.get(snapshotChunkRecordKey(slot, index)),
  };
}

async function verify(records: ReturnType<typeof recordsOf>, options = verifyOptions) {
  const applied: Revocation[] = [];
  const manifest = await verifyRevocationSnapshot(records, options, (chunk) => applied.push(...chunk));
  return { manifest, applied };
}

async function codeOf(outcome: Promise<unknown>): Promise<string> {
  try {
    await outcome;
    return 'accepted';
  } catch (error) {
    return error instanceof EventVerificationError ? error.code : `unexpected: ${String(error)}`;
  }
}

describe('revocation snapshot (signed chunks bound by a signed manifest)', () => {
  const list = [...revocations(600), subjectChange];

  it('round-trips every revocation, in several chunks of bounded size, with the covered offsets', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    expect(encoded.chunks.length).toBeGreaterThan(2);
    for (const chunk of encoded.chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(16 * 1024);

    const { manifest, applied } = await verify(recordsOf(encoded));

    expect(manifest).toMatchObject({ snapshotId: 's1', topic: TOPIC, offsets: { 0: '1200' }, entries: list.length });
    expect(applied).toEqual(list);
  });

  it('keeps the default chunk size under 256 KiB', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', revocations(8000)), {
      ...encodeOptions,
      maxChunkBytes: undefined,
    });
    expect(encoded.chunks.length).toBeGreaterThan(1);
    for (const chunk of encoded.chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(256 * 1024);
  });

  it('refuses a tampered chunk before applying anything', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    const chunks = [...encoded.chunks];
    const last = chunks.length - 1;
    chunks[last] = `${chunks[last].slice(0, -4)}AAAA`;
    const applied: Revocation[] = [];

    const outcome = verifyRevocationSnapshot(recordsOf(encoded, chunks), verifyOptions, (c) => applied.push(...c));

    expect(await codeOf(outcome)).toBe('ERR_EVENT_SIGNATURE_INVALID');
    expect(applied).toEqual([]);
  });

  it('refuses a chunk of another snapshot in the place of one of its own', async () => {
    const mine = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    const theirs = await encodeRevocationSnapshot(snapshot('s2', revocations(600, 'other')), encodeOptions);
    const chunks = [theirs.chunks[0], ...mine.chunks.slice(1)];

    expect(await codeOf(verify(recordsOf(mine, chunks)))).toBe('ERR_EVENT_SIGNATURE_INVALID');
  });

  it('refuses a chunk of another snapshot even when a signed manifest lists its hash', async () => {
    const theirs = await encodeRevocationSnapshot(snapshot('s2', revocations(10, 'other')), encodeOptions);
    const chunk = theirs.chunks[0];
    const manifest = await encodeSecurityEvent(
      EVENT_TYPES.revocationSnapshotManifest,
      {
        snapshot_id: 's1',
        topic: TOPIC,
        offsets: { 0: '7' },
        chunks: [{ sha256: sha256(chunk), entries: 10 }],
        entries: 10,
      },
      encodeOptions,
    );
    const records = {
      manifest,
      chunk: (slot: SnapshotSlot, index: number) => (slot === 0 && index === 0 ? chunk : undefined),
    };

    expect(await codeOf(verify(records))).toBe('ERR_EVENT_CLAIMS_INVALID');
  });

  it('refuses a snapshot with a missing chunk', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    expect(await codeOf(verify(recordsOf(encoded, encoded.chunks.slice(0, -1))))).toBe('ERR_EVENT_MALFORMED');
  });

  it('refuses a manifest signed by a key it does not trust, or altered', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    const records = recordsOf(encoded);
    expect(await codeOf(verify(records, { ...verifyOptions, resolveKey: async () => otherKeys.publicKey }))).toBe(
      'ERR_EVENT_SIGNATURE_INVALID',
    );
    const [header, payload, signature] = encoded.manifest.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    claims.events[EVENT_TYPES.revocationSnapshotManifest].offsets = { 0: '999999' };
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(await codeOf(verify({ ...records, manifest: altered }))).toBe('ERR_EVENT_SIGNATURE_INVALID');
  });

  it('refuses a snapshot of another topic, and a chunk presented as the manifest', async () => {
    const encoded = await encodeRevocationSnapshot(snapshot('s1', list), encodeOptions);
    const records = recordsOf(encoded);
    expect(await codeOf(verify(records, { ...verifyOptions, topic: 'other.revocations.v1' }))).toBe(
      'ERR_EVENT_CLAIMS_INVALID',
    );
    expect(await codeOf(verify({ ...records, manifest: encoded.chunks[0] }))).toBe('ERR_EVENT_TYPE_UNKNOWN');
  });

  it('refuses invalid input to the encoder with a TypeError', async () => {
    await expect(encodeRevocationSnapshot({ ...snapshot('s1', list), offsets: {} }, encodeOptions)).rejects.toThrow(
      TypeError,
    );
    const bad = { ...list[0], expiresAt: NOW_S - 1 };
    await expect(encodeRevocationSnapshot(snapshot('s1', [bad]), encodeOptions)).rejects.toThrow(TypeError);
  });
});
