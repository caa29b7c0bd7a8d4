import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { describeError } from '@app/events';
import { AUTH_DEFAULTS, type ResolvedAuthOptions } from '../auth-options.js';
import { JwksKeyCache } from '../keys/jwks-key-cache.js';
import { RevocationFeed } from '../revocations/revocation-feed.js';
import { RevocationIndex } from '../revocations/revocation-index.js';
import { AUTH_OPTIONS } from './auth-options.token.js';

const KEY_RETRY_MAX_MS = 5_000;

/**
 * Starts what the guard depends on once the app boots, without blocking the boot (readiness reports
 * progress): loads the key set (retrying with backoff until it succeeds), starts the revocation feed,
 * prunes expired revocations periodically; stops it all on shutdown.
 */
@Injectable()
export class AuthLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Auth');
  private pruneTimer: NodeJS.Timeout | undefined;
  private keyRetryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly keys: JwksKeyCache,
    private readonly feed: RevocationFeed,
    private readonly index: RevocationIndex,
  ) {}

  onApplicationBootstrap(): void {
    this.loadKeys(250);
    this.feed.start().catch((error: unknown) => {
      this.logger.error({ msg: 'Revocation feed failed to start', error: describeError(error) });
    });
    this.pruneTimer = setInterval(() => this.index.prune(), AUTH_DEFAULTS.revocationPruneIntervalMs).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    clearTimeout(this.keyRetryTimer);
    await this.feed.stop();
  }

  private loadKeys(retryInMs: number): void {
    this.keys.refresh().catch((error: unknown) => {
      if (this.stopped) return;
      this.logger.warn({
        msg: 'Key set not loaded yet; retrying',
        jwksUri: this.options.jwksUri,
        error: describeError(error),
      });
      this.keyRetryTimer = setTimeout(() => this.loadKeys(Math.min(retryInMs * 2, KEY_RETRY_MAX_MS)), retryInMs);
    });
  }
}
