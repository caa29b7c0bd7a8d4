import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@app/events';
import { authServiceConfig, type AuthServiceConfig } from '../config/auth-service.config.js';
import { CHANNELS, Database, type Listener } from '../storage/database.js';
import { KeyLifecycle } from './key-lifecycle.service.js';
import { SigningKeyStore } from './signing-key.store.js';

/**
 * Keeps the keys moving on every instance: reloads them the moment any instance changes one (`LISTEN auth_keys`),
 * and on each tick (`AUTH_KEY_CHECK_INTERVAL_SECONDS`) rotates when due, retires previous keys whose tokens have all
 * expired, reloads (in case a notification was missed) and adds the signature counts to the table. Every instance
 * ticks; the lifecycle's lock and re-check make exactly one of them perform each change.
 */
@Injectable()
export class KeyRotationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotationScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private listener: Listener | undefined;
  private tick: Promise<void> | undefined;

  constructor(
    @Inject(KeyLifecycle) private readonly lifecycle: KeyLifecycle,
    @Inject(SigningKeyStore) private readonly store: SigningKeyStore,
    @Inject(Database) private readonly db: Database,
    @Inject(authServiceConfig.KEY) private readonly config: AuthServiceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => {
      this.tick ??= this.runTick().finally(() => (this.tick = undefined));
    }, this.config.keys.checkIntervalSeconds * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
    await this.listener?.close().catch(() => undefined);
    await this.store.flushSignatureCounts().catch((error: unknown) => this.warn('signature counts not saved', error));
  }

  private async runTick(): Promise<void> {
    try {
      await this.lifecycle.rotateIfDue();
      await this.lifecycle.retireExpired();
      await this.store.reload();
      await this.store.flushSignatureCounts();
      if (this.listener === undefined) await this.listen();
    } catch (error) {
      this.warn('key maintenance failed; retrying next tick', error);
    }
  }

  /** Only an optimisation: without it, instances pick key changes up on their next tick. */
  private async listen(): Promise<void> {
    this.listener = await this.db
      .listen(
        CHANNELS.keys,
        () => void this.store.reload().catch((error: unknown) => this.warn('key reload failed', error)),
        (error) => {
          this.warn('key LISTEN connection lost; reloading on each tick until it is back', error);
          this.listener = undefined;
        },
      )
      .catch((error: unknown) => {
        this.warn('key LISTEN not available; reloading on each tick', error);
        return undefined;
      });
  }

  private warn(msg: string, error: unknown): void {
    this.logger.warn({ msg, error: describeError(error) });
  }
}
