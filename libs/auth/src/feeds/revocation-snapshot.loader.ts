import {
  describeError,
  EventVerificationError,
  SNAPSHOT_MANIFEST_RECORD_KEY,
  snapshotChunkRecordKey,
  verifyRevocationSnapshot,
  type EventLogger,
  type EventRecord,
  type EventSource,
  type Revocation,
  type SnapshotSlot,
} from '@app/events';
import { KeyNotFoundError, type KeyResolver } from '../keys/verification-key.js';

const NO_SNAPSHOT = 'no snapshot published';

/** Options of {@link RevocationSnapshotLoader}. */
export interface RevocationSnapshotLoaderOptions {
  /** The snapshots topic. */
  readonly topic: string;
  /** The revocations topic a snapshot must cover. */
  readonly revocationsTopic: string;
  readonly groupIdPrefix: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  /** Longest wait for the snapshots topic to be read; past it, no snapshot. */
  readonly waitMs: number;
}

/** What one load did, for logs and status. */
export interface SnapshotLoadOutcome {
  readonly used: boolean;
  readonly snapshotId?: string;
  readonly entries?: number;
  readonly chunks?: number;
  /** Why no snapshot was used (no manifest, not read in time, refused with this code…). */
  readonly reason?: string;
  readonly ms: number;
}

/**
 * Loads the newest signed revocation snapshot at start: reads the snapshots topic to its end (bounded by `waitMs`),
 * verifies the manifest and every chunk ({@link verifyRevocationSnapshot}), hands the revocations to `apply`, and
 * returns the offsets of the revocations topic the snapshot covers, where the revocation feed starts reading. Any
 * problem (no topic, no manifest, a chunk missing or refused, a key not trusted) returns `undefined`: the whole
 * topic is read, as without snapshots. Nothing unverified is ever applied.
 *
 * @example
 * ```ts
 * const loader = new RevocationSnapshotLoader(source, options, keySet, logger, () => keysLoaded);
 * const offsets = await loader.load((revocations) => revocations.forEach((r) => index.apply(r)));
 * ```
 */
export class RevocationSnapshotLoader {
  /** The last {@link load}'s outcome. */
  outcome: SnapshotLoadOutcome | undefined;

  constructor(
    private readonly source: EventSource,
    private readonly options: RevocationSnapshotLoaderOptions,
    private readonly keys: KeyResolver,
    private readonly logger: EventLogger,
    /** Resolves once the key set is loaded: the snapshot's signer must be known before it is verified. */
    private readonly keysLoaded: () => Promise<void>,
  ) {}

  async load(apply: (revocations: Revocation[]) => void): Promise<Readonly<Record<number, string>> | undefined> {
    const started = performance.now();
    const done = (outcome: Omit<SnapshotLoadOutcome, 'ms'>): Readonly<Record<number, string>> | undefined => {
      this.outcome = { ...outcome, ms: Math.round(performance.now() - started) };
      // None published yet is normal (a new deployment); a snapshot refused or not read in time is worth a warning.
      const normal = outcome.used || outcome.reason === NO_SNAPSHOT;
      this.logger[normal ? 'info' : 'warn'](
        outcome.used ? 'Revocation snapshot applied' : 'No revocation snapshot used; reading the whole topic',
        { topic: this.options.topic, ...this.outcome },
      );
      return undefined;
    };
    const deadline = Date.now() + this.options.waitMs;
    const read = await this.readTopic(deadline);
    if (read === undefined) return done({ used: false, reason: 'snapshots topic not read in time' });
    if (read.manifest === undefined) return done({ used: false, reason: NO_SNAPSHOT });
    if (!(await withDeadline(this.keysLoaded(), deadline))) return done({ used: false, reason: 'keys not loaded' });
    try {
      let entries = 0;
      const manifest = await verifyRevocationSnapshot(
        {
          manifest: read.manifest,
          chunk: (slot: SnapshotSlot, index) => read.chunks.get(snapshotChunkRecordKey(slot, index)),
        },
        {
          issuer: this.options.issuer,
          audience: this.options.audiences,
          algorithms: this.options.algorithms,
          topic: this.options.revocationsTopic,
          resolveKey: async (header) => (await this.keys.resolve(header)).key,
        },
        (revocations) => {
          entries += revocations.length;
          apply(revocations);
        },
      );
      done({ used: true, snapshotId: manifest.snapshotId, entries, chunks: manifest.chunks.length });
      return manifest.offsets;
    } catch (error) {
      const reason =
        error instanceof EventVerificationError || error instanceof KeyNotFoundError
          ? `refused: ${error.code}`
          : `failed: ${describeError(error)}`;
      return done({ used: false, reason });
    }
  }

  /** The newest manifest and every chunk by record key, once the topic is read to its end; undefined past the deadline. */
  private async readTopic(
    deadline: number,
  ): Promise<{ manifest: string | undefined; chunks: Map<string, string> } | undefined> {
    let manifest: string | undefined;
    const chunks = new Map<string, string>();
    const onRecord = async (record: EventRecord): Promise<void> => {
      if (record.key === SNAPSHOT_MANIFEST_RECORD_KEY) manifest = record.value ?? undefined;
      else if (record.key !== null && record.value !== null) chunks.set(record.key, record.value);
      else if (record.key !== null) chunks.delete(record.key);
    };
    const subscription = this.source.subscribe({
      topic: this.options.topic,
      groupIdPrefix: `${this.options.groupIdPrefix}.revocation-snapshots`,
      onRecord,
    });
    await subscription.start();
    try {
      const caughtUp = await withDeadline(subscription.whenCaughtUp(), deadline);
      return caughtUp ? { manifest, chunks } : undefined;
    } finally {
      await subscription.stop();
    }
  }
}

/** True when `promise` resolves before `deadline` (epoch ms); false when it rejects or the deadline passes first. */
async function withDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadline - Date.now())));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
