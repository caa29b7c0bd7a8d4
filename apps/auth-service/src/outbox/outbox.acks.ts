import { Inject, Injectable } from '@nestjs/common';
import { epochNowMs } from '@app/events';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { AuthServiceEvents } from '../observability/auth-service.events.js';
import { OutboxSignal } from './outbox.signal.js';

/**
 * Lets the request that committed outbox rows wait until the broker has acknowledged them: a writer calls
 * {@link committed} right after its transaction (that wakes the relay, as `OutboxSignal.notify()` does) and awaits it;
 * the relay calls {@link acked} once a run is acknowledged. The wait is bounded (`AUTH_REVOCATION_ACK_WAIT_MS`): past
 * it, it resolves `false` and the rows stay safe in the outbox (the relay keeps retrying). No wait when this
 * instance's relay is disabled. Rows published by another instance's relay are not seen here: that wait ends at its
 * bound.
 *
 * @example
 * const recorded = await db.transaction((tx) => recorder.record(tx, revocation, audit));
 * if (recorded) await acks.committed([recorded.outboxId]);
 */
@Injectable()
export class OutboxAcks {
  private readonly waiters = new Map<string, () => void>();

  constructor(
    @Inject(OutboxSignal) private readonly signal: OutboxSignal,
    @Inject(AuthServiceEvents) private readonly events: AuthServiceEvents,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  /**
   * Wakes the relay for rows `ids`, just committed, and resolves `true` once all of them are acknowledged by the
   * broker, `false` once the wait is over without it (at once when the wait is 0 or the relay disabled). Call it right
   * after the commit, before anything else is awaited.
   */
  async committed(ids: readonly string[]): Promise<boolean> {
    const { relayEnabled, revocationAckWaitMs } = this.config.outbox;
    const timeoutMs = relayEnabled ? revocationAckWaitMs : 0;
    this.events.emit('outbox.committed', { ids, committedAt: epochNowMs() });
    const pending = timeoutMs > 0 ? ids.map((id) => this.whenAcked(id)) : [];
    this.signal.notify();
    if (pending.length === 0) return timeoutMs > 0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const outcome = await Promise.race([Promise.all(pending).then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!outcome) for (const id of ids) this.waiters.delete(id);
    return outcome;
  }

  /** The broker acknowledged rows `ids`: their writers stop waiting. */
  acked(ids: readonly string[]): void {
    for (const id of ids) {
      const resolve = this.waiters.get(id);
      if (resolve === undefined) continue;
      this.waiters.delete(id);
      resolve();
    }
  }

  private whenAcked(id: string): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.set(id, resolve));
  }
}
