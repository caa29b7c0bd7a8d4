import { Injectable } from '@nestjs/common';

/**
 * In-process wake-up of the outbox relay: writers call {@link notify} right after committing outbox rows; the
 * relay {@link wait}s for it or for its poll interval. A notification that arrives while the relay is busy is
 * remembered, so no commit is ever missed.
 *
 * @example
 * await db.transaction(...); signal.notify();
 */
@Injectable()
export class OutboxSignal {
  private pending = false;
  private wake: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves `true` when notified (or already pending), `false` after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.consume()) return true;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wake = done;
    });
    return this.consume();
  }

  private consume(): boolean {
    const was = this.pending;
    this.pending = false;
    return was;
  }
}
