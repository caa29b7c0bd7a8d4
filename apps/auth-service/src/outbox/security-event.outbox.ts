import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  encodeKeyEvent,
  encodeRevocationEvent,
  revocationRecordKey,
  type EncodeEventOptions,
  type EventSigner,
  type KeyLifecycleEvent,
  type Revocation,
} from '@app/events';
import { Clock } from '../common/clock.js';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import type { SqlExecutor } from '../storage/database.js';
import { ResourceServerRegistry } from '../tokens/resource-server.registry.js';
import { enqueueOutboxRecord } from './outbox.repository.js';

/**
 * Signs security events and appends them to the outbox inside the caller's transaction, each on its topic with its
 * record key (revocations: `<type>:<value>`; keys: `kid`). Every event is addressed to every registered resource
 * server and to the auth service itself (each consumer checks `aud` against itself).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await events.enqueueRevocation(tx, revocation, keys.signingKey());
 * });
 */
@Injectable()
export class SecurityEventOutbox {
  constructor(
    @Inject(ResourceServerRegistry) private readonly resourceServers: ResourceServerRegistry,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /** Returns the outbox id of the event's row. */
  async enqueueRevocation(tx: SqlExecutor, revocation: Revocation, signer: EventSigner): Promise<string> {
    return enqueueOutboxRecord(tx, {
      topic: this.config.kafka.revocationsTopic,
      key: revocationRecordKey(revocation.target),
      value: await encodeRevocationEvent(revocation, await this.options(tx, signer)),
    });
  }

  async enqueueKeyEvent(tx: SqlExecutor, event: KeyLifecycleEvent, signer: EventSigner): Promise<void> {
    await enqueueOutboxRecord(tx, {
      topic: this.config.kafka.keysTopic,
      key: event.kid,
      value: await encodeKeyEvent(event, await this.options(tx, signer)),
    });
  }

  private async options(tx: SqlExecutor, signer: EventSigner): Promise<EncodeEventOptions> {
    return {
      issuer: this.config.issuer,
      audience: await this.resourceServers.eventAudiences(tx),
      signer,
      now: () => this.clock.now(),
      id: randomUUID(),
    };
  }
}
