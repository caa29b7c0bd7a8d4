import { Inject, Injectable } from '@nestjs/common';
import type { Revocation } from '@app/events';
import { AuditLog, type AuditEntry } from '../audit/audit-log.service.js';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { SecurityEventOutbox } from '../outbox/security-event.outbox.js';
import type { SqlExecutor } from '../storage/database.js';
import { RecentCutOffs } from './recent-cut-offs.js';
import { upsertRevocation } from './revocation.repository.js';

/** A revocation as stored, with the outbox id of its event (what a request waits on: `OutboxAcks.committed`). */
export type RecordedRevocation = Revocation & { readonly outboxId: string };

/**
 * The one way a revocation is written (except a signing key's, whose event the key change signs itself): inside the
 * caller's transaction, the `revocations` row ({@link upsertRevocation}: cut-off and expiry move forward only), its
 * event signed with the current key in the outbox (keyed `<type>:<value>`, so compaction keeps the latest), and the
 * audit entry; a subject or client cut-off also counts at once for the tokens this instance issues
 * ({@link RecentCutOffs.note}). A revocation that changes nothing writes nothing and returns `undefined`. The caller
 * wakes the relay once its transaction has committed: `OutboxAcks.committed` (which also waits for the broker's
 * acknowledgement) or `OutboxSignal.notify()`.
 *
 * @example
 * const recorded = await db.transaction((tx) =>
 *   recorder.record(tx, revocation, { type: AUDIT_EVENTS.tokenRevoked, actor: clientId, details: { jti } }),
 * );
 * if (recorded) await acks.committed([recorded.outboxId]);
 */
@Injectable()
export class RevocationRecorder {
  constructor(
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(SecurityEventOutbox) private readonly events: SecurityEventOutbox,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(RecentCutOffs) private readonly cutOffs: RecentCutOffs,
  ) {}

  async record(tx: SqlExecutor, revocation: Revocation, audit: AuditEntry): Promise<RecordedRevocation | undefined> {
    const stored = await upsertRevocation(tx, revocation, audit.actor);
    if (stored === undefined) return undefined;
    this.cutOffs.note(stored);
    const outboxId = await this.events.enqueueRevocation(tx, stored, this.keys.signingKey());
    await this.audit.record(audit, tx);
    return { ...stored, outboxId };
  }
}
