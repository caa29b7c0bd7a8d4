import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { encodeHeartbeatEvent, HEARTBEAT_RECORD_KEY } from '@app/events';
import type { EventProducer } from '@app/events/kafka';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { ResourceServerRegistry } from '../tokens/resource-server.registry.js';

/**
 * Signed heartbeats on the revocations topic, so every resource server can tell a quiet stream from a lost one
 * (DESIGN "Staleness"). The outbox relay calls {@link sendIfDue} with its own producer right after a read of the
 * outbox found nothing more to send, and only while it holds the relay lock, so exactly one instance beats.
 *
 * Why not through the outbox table: a row (and a NOTIFY) every few seconds, forever, for a record nobody needs
 * once a newer one exists. Why through the relay's producer: one request in flight keeps the order, so a heartbeat
 * stamped with the time of that read lands behind every revocation committed before it, and a consumer that
 * applied it knows it misses none of them. A relay that cannot publish sends no heartbeat either, and consumers
 * turn stale: the bound they enforce covers the outbox as well as the broker. Every heartbeat has the record key
 * `heartbeat`, so compaction keeps one, whichever instance sent it.
 *
 * @example
 * ```ts
 * const drainedAt = clock.now(); // before the outbox read
 * if ((await readUnsentOutbox(db, batchSize)).length === 0) await heartbeats.sendIfDue(producer, drainedAt);
 * ```
 */
@Injectable()
export class HeartbeatPublisher {
  private readonly logger = new Logger(HeartbeatPublisher.name);
  /** This process: a consumer sees a new id after a restart or a relay failover. */
  private readonly instance = randomUUID();
  private sequence = 0;
  private lastSentAt: number | undefined;

  constructor(
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  private get intervalMs(): number {
    return this.config.outbox.heartbeatIntervalSeconds * 1000;
  }

  /** Milliseconds from `now` until the next heartbeat is due; 0 when it is due (or none was sent yet). */
  dueInMs(now: number): number {
    if (this.lastSentAt === undefined) return 0;
    return Math.max(0, this.lastSentAt + this.intervalMs - now);
  }

  /**
   * Sends a heartbeat stamped `drainedAt` when one is due, or at once with `force` (right after a snapshot).
   * `drainedAt` must be taken before the outbox read that came back with nothing left to send. Rejects when the
   * producer does (the relay retries the step).
   */
  async sendIfDue(producer: EventProducer, drainedAt: number, force = false): Promise<void> {
    if (!force && this.dueInMs(drainedAt) > 0) return;
    const value = await encodeHeartbeatEvent(
      {
        instance: this.instance,
        sequence: this.sequence,
        intervalSeconds: this.config.outbox.heartbeatIntervalSeconds,
      },
      {
        issuer: this.config.issuer,
        audience: await this.resourceServers.eventAudiences(),
        signer: this.keys.signingKey(),
        now: () => drainedAt,
      },
    );
    await producer.send(this.config.kafka.revocationsTopic, [{ key: HEARTBEAT_RECORD_KEY, value }]);
    this.logger.debug({ msg: 'heartbeat sent', instance: this.instance, sequence: this.sequence });
    this.sequence += 1;
    this.lastSentAt = drainedAt;
  }
}
