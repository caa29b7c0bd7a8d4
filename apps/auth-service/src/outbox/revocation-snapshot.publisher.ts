import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_DEFAULTS } from '@app/auth/core';
import {
  encodeRevocationSnapshot,
  SNAPSHOT_MANIFEST_RECORD_KEY,
  snapshotChunkRecordKey,
  type SnapshotSlot,
} from '@app/events';
import { fetchTopicEndOffsets, type EventProducer, type KafkaConnection } from '@app/events/kafka';
import { Clock, toNumericDate } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { listLiveRevocations } from '../revocations/revocation.repository.js';
import { Database } from '../storage/database.js';
import { ResourceServerRegistry } from '../tokens/resource-server.registry.js';
import { OutboxSignal } from './outbox.signal.js';

/** How long after start the first snapshot is due (unless the interval is shorter). */
const FIRST_SNAPSHOT_DELAY_MS = 60_000;

/** What one publication did (logged, and returned for tests and the bench). */
export interface PublishedSnapshot {
  readonly snapshotId: string;
  readonly entries: number;
  readonly chunks: number;
  readonly offsets: Readonly<Record<number, string>>;
  readonly ms: number;
}

/**
 * Publishes a signed snapshot of every live revocation to the snapshots topic (`auth.revocation-snapshots.v1`), so
 * a starting resource server verifies one signature per chunk instead of one per event, and reads the revocations
 * topic only from where the snapshot ends (expired history there costs it nothing). The outbox relay calls
 * {@link publishIfDue} with its producer once the outbox is drained, while it holds the relay lock; then it sends a
 * heartbeat, which lands after the covered offsets, so a consumer starting from them is fresh at once.
 *
 * Why it is complete: the covered offsets are the revocations topic's ends taken first; every event below them was
 * published from an outbox row committed with its `revocations` row, so the table read next holds all of them (and
 * perhaps later ones: applying a revocation twice changes nothing). Chunks go first, in the slot the current
 * manifest does not use, then the manifest (one partition: it follows its chunks), then tombstones for chunks left
 * over in that slot. Only a publication after a restart may pick the current manifest's slot; a consumer starting
 * during it finds chunks that do not match and reads the whole topic instead.
 *
 * @example
 * ```ts
 * if (batch.length < batchSize) await snapshots.publishIfDue(producer, connection);
 * snapshots.requestNow(); // on demand: the relay publishes at its next step
 * ```
 */
@Injectable()
export class RevocationSnapshotPublisher {
  private readonly logger = new Logger(RevocationSnapshotPublisher.name);
  private lastPublishedAt: number | undefined;
  private requested = false;
  private slot: SnapshotSlot = Math.random() < 0.5 ? 0 : 1;
  /** Chunks each slot holds, as far as this process knows. */
  private readonly slotChunks: [number, number] = [0, 0];
  private waiters: Array<(published: PublishedSnapshot) => void> = [];

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
  ) {}

  private get intervalSeconds(): number {
    return this.config.outbox.revocationSnapshotIntervalSeconds;
  }

  /**
   * Asks for a snapshot at the relay's next step, whatever the interval; resolves once one is published (by the
   * instance holding the relay lock: on a standby instance, never).
   */
  requestNow(): Promise<PublishedSnapshot> {
    this.requested = true;
    const published = new Promise<PublishedSnapshot>((resolve) => this.waiters.push(resolve));
    this.signal.notify();
    return published;
  }

  /** Milliseconds until the next snapshot is due (`Infinity` when none is asked for and the interval is 0). */
  dueInMs(now: number): number {
    if (this.requested) return 0;
    if (this.intervalSeconds === 0) return Number.POSITIVE_INFINITY;
    const intervalMs = this.intervalSeconds * 1000;
    // The first one a minute after start (or one interval, if shorter): soon, but not at once in a restart loop.
    this.lastPublishedAt ??= now - intervalMs + Math.min(intervalMs, FIRST_SNAPSHOT_DELAY_MS);
    return Math.max(0, this.lastPublishedAt + intervalMs - now);
  }

  /** Publishes a snapshot when one is due; true when it did. Rejects when Kafka or the database does (the relay retries). */
  async publishIfDue(producer: EventProducer, connection: KafkaConnection): Promise<boolean> {
    const now = this.clock.now();
    if (this.dueInMs(now) > 0) return false;
    const published = await this.publish(producer, connection);
    this.requested = false;
    this.lastPublishedAt = now;
    for (const resolve of this.waiters.splice(0)) resolve(published);
    return true;
  }

  private async publish(producer: EventProducer, connection: KafkaConnection): Promise<PublishedSnapshot> {
    const started = performance.now();
    const { revocationsTopic, revocationSnapshotsTopic: topic } = this.config.kafka;
    const offsets = await fetchTopicEndOffsets(connection, revocationsTopic);
    const sinceS = toNumericDate(this.clock.now()) - AUTH_DEFAULTS.maxClockToleranceSeconds;
    const revocations = await listLiveRevocations(this.db, sinceS);
    const slot: SnapshotSlot = this.slot === 0 ? 1 : 0;
    const snapshotId = randomUUID();
    const { chunks, manifest } = await encodeRevocationSnapshot(
      { id: snapshotId, topic: revocationsTopic, slot, offsets, revocations },
      {
        issuer: this.config.issuer,
        audience: await this.resourceServers.eventAudiences(),
        signer: this.keys.signingKey(),
      },
    );
    // One chunk per request: `max.message.bytes` bounds a whole record batch, and a chunk may be 256 KiB.
    for (const [index, value] of chunks.entries()) {
      await producer.send(topic, [{ key: snapshotChunkRecordKey(slot, index), value }]);
    }
    await producer.send(topic, [{ key: SNAPSHOT_MANIFEST_RECORD_KEY, value: manifest }]);
    const leftOver = Array.from({ length: Math.max(0, this.slotChunks[slot] - chunks.length) }, (_, i) =>
      snapshotChunkRecordKey(slot, chunks.length + i),
    );
    await producer.sendTombstones(topic, leftOver);
    this.slotChunks[slot] = chunks.length;
    this.slot = slot;
    const published = {
      snapshotId,
      entries: revocations.length,
      chunks: chunks.length,
      offsets,
      ms: Math.round(performance.now() - started),
    };
    this.logger.log({ msg: 'revocation snapshot published', topic, slot, ...published });
    return published;
  }
}
