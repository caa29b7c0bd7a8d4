import type { JwksKeyCache } from './keys/jwks-key-cache.js';
import type { RevocationFeed } from './revocations/revocation-feed.js';

/** A snapshot for `/health` endpoints. */
export interface AuthReadinessStatus {
  ready: boolean;
  keys: { loaded: boolean; count: number };
  revocations: { caughtUp: boolean; applied: number; dropped: number };
}

/**
 * Whether this service may take traffic: its key set has been loaded and its revocation index has
 * caught up with the topic (a service that just started must not accept a token revoked before it
 * started).
 *
 * @example
 * ```ts
 * @Get('health') health(@Res() res) { const s = this.readiness.status(); res.status(s.ready ? 200 : 503).send(s); }
 * ```
 */
export class AuthReadiness {
  constructor(
    private readonly keys: JwksKeyCache,
    private readonly feed: RevocationFeed,
  ) {}

  get ready(): boolean {
    return this.keys.loaded && this.feed.caughtUp;
  }

  status(): AuthReadinessStatus {
    return {
      ready: this.ready,
      keys: { loaded: this.keys.loaded, count: this.keys.kids.length },
      revocations: { caughtUp: this.feed.caughtUp, ...this.feed.stats },
    };
  }
}
