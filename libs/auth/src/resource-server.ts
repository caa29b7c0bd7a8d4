import {
  describeError,
  EVENT_TYPES,
  KEY_EVENT_TYPES,
  parseHeartbeatEvent,
  parseKeyEvent,
  parseRevocationEvent,
  peekRevocationExpiry,
  REVOCATION_EVENT_TARGETS,
  silentEventLogger,
  type EventLogger,
  type EventSource,
  type VerifiedHeartbeat,
  type VerifiedSecurityEvent,
} from '@app/events';
import { EventEmitter } from 'node:events';
import { AUTH_DEFAULTS, resolveAuthOptions, type AuthOptions, type ResolvedAuthOptions } from './auth-options.js';
import { AuthError } from './errors/auth.errors.js';
import { EventFeed, type EventFeedOptions, type EventFeedStats, type EventHandlers } from './feeds/event-feed.js';
import { RevocationSnapshotLoader, type SnapshotLoadOutcome } from './feeds/revocation-snapshot.loader.js';
import { StreamStaleness, type StalenessStatus } from './feeds/stream-staleness.js';
import { createJwksLoader } from './keys/jwks.loader.js';
import { KeySet } from './keys/key-set.js';
import {
  UNEXPECTED_REJECTION_CODE,
  type ResourceServerEvents,
  type RevocationEntryCounts,
} from './resource-server.events.js';
import { RevocationIndex } from './revocations/revocation-index.js';
import type { AuthenticatedToken } from './tokens/access-token-claims.js';
import { AccessTokenVerifier } from './tokens/access-token.verifier.js';
import { VerifiedTokenCache, type VerifiedTokenCacheSize } from './tokens/verified-token.cache.js';
import {
  TokenAuthenticator,
  type RequestTransport,
  type RevocationStateProblem,
  type TokenRequirements,
} from './tokens/token-authenticator.js';

/** One feed's part of {@link ResourceServerStatus}. */
export interface EventFeedStatus extends EventFeedStats {
  readonly topic: string;
  readonly caughtUp: boolean;
}

/** A snapshot for readiness endpoints: what is ready, and what is not yet. */
export interface ResourceServerStatus {
  /** Keys loaded, both feeds caught up, and the revocations view within the staleness bound. */
  readonly ready: boolean;
  readonly keys: {
    readonly loaded: boolean;
    readonly count: number;
    /** Trusted keys by their latest key-event state (`published`: known from the JWKS only), plus retired/revoked. */
    readonly states: Readonly<Record<string, number>>;
  };
  readonly revocations: EventFeedStatus & {
    readonly entries: number;
    readonly entriesByType: RevocationEntryCounts;
    readonly maxEntries: number;
    readonly overCapacity: boolean;
    /** How the start went: from a signed snapshot (its id, entries, chunks, ms) or not (why); absent before it is known. */
    readonly snapshot?: SnapshotLoadOutcome;
  };
  readonly keyEvents: EventFeedStatus;
  /** How old the view of the revocations topic is (issuer heartbeats), against `maxStalenessSeconds`. */
  readonly staleness: StalenessStatus;
  /** The verified-token cache: entries and estimated bytes held, and its bounds (all 0 when disabled). */
  readonly tokenCache: VerifiedTokenCacheSize & { readonly enabled: boolean };
}

const DISABLED_CACHE = { enabled: false, entries: 0, bytes: 0, maxEntries: 0, maxBytes: 0 } as const;

const KEY_RETRY_MS = { initial: 250, max: 5_000 };

/** Catching up is a matter of seconds: ask again soon. */
const CATCHING_UP: RevocationStateProblem = {
  reason: 'Revocation state has not caught up with its topics',
  retryAfterSeconds: 1,
};

/**
 * The framework-free composition root of a resource server: from {@link AuthOptions} and an event source it builds
 * the key set (published keys + key events), the revocation index (revocation events), the two feeds and the
 * verifier, and answers the one question of the request path, {@link authenticate}. The Nest module, the guard and
 * any other adapter are thin wrappers around one instance. Observers (metrics) subscribe to {@link events}.
 *
 * @example
 * ```ts
 * const server = new ResourceServer({ issuer: 'https://auth.example.com', audience: 'orders-service' },
 *   new KafkaEventSource(new KafkaConnection({ brokers: ['kafka:9092'], clientId: 'orders-service' })));
 * server.start();
 * const token = await server.authenticate(request.headersDistinct.authorization, ['orders:read'], { secure: true });
 * await server.stop();
 * ```
 */
export class ResourceServer {
  readonly options: ResolvedAuthOptions;
  /** The observer hook: verification outcomes and events applied or dropped (see {@link ResourceServerEvents}). */
  readonly events = new EventEmitter<ResourceServerEvents>();
  private readonly keys: KeySet;
  private readonly index: RevocationIndex;
  private readonly revocationFeed: EventFeed;
  private readonly keyFeed: EventFeed;
  private readonly staleness: StreamStaleness;
  private readonly authenticator: TokenAuthenticator;
  private readonly tokenCache: VerifiedTokenCache | undefined;
  private snapshotLoader: RevocationSnapshotLoader | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;
  private overCapacity = false;
  private stalenessTimer: NodeJS.Timeout | undefined;
  /** The heartbeat interval last warned about as too long for the staleness bound (warn once per value). */
  private warnedIntervalSeconds: number | undefined;
  private keyRetryTimer: NodeJS.Timeout | undefined;
  private markKeysLoaded: () => void = () => undefined;
  private readonly keysLoaded = new Promise<void>((resolve) => (this.markKeysLoaded = resolve));
  private stopped = false;
  /** Latches once both feeds have caught up: from then on the failure policy decides, before it nothing passes. */
  private caughtUpOnce = false;

  constructor(
    options: AuthOptions,
    events: EventSource,
    private readonly logger: EventLogger = silentEventLogger,
  ) {
    this.options = resolveAuthOptions(options);
    const { jwks, clock } = this.options;
    this.keys = new KeySet({
      algorithms: this.options.algorithms,
      load: this.options.loadKeys ?? createJwksLoader({ jwksUri: this.options.jwksUri, timeoutMs: jwks.timeoutMs }),
      cooldownMs: jwks.cooldownMs,
      maxAgeMs: jwks.maxAgeMs,
      clock,
      logger,
      onKeyRemoved: (kid) => this.tokenCache?.dropKey(kid),
    });
    this.index = new RevocationIndex({ clock, graceSeconds: this.options.clockToleranceSeconds });
    this.staleness = new StreamStaleness({
      maxStalenessSeconds: this.options.maxStalenessSeconds,
      clockToleranceSeconds: this.options.clockToleranceSeconds,
      clock,
    });
    this.revocationFeed = this.feed(events, 'revocations', this.revocationHandlers(), {
      startFrom: this.snapshotStart(events),
      // A week of expired history costs a peek per record, not a verification.
      canSkip: (value) => {
        const expiresAt = peekRevocationExpiry(value);
        return expiresAt !== undefined && this.index.isExpired(expiresAt);
      },
    });
    this.keyFeed = this.feed(events, 'keys', this.keyHandlers());
    const verifier = new AccessTokenVerifier(this.options, this.keys);
    const { tokenCache, clockToleranceSeconds } = this.options;
    this.tokenCache =
      tokenCache === false
        ? undefined
        : new VerifiedTokenCache(verifier, { ...tokenCache, clockToleranceSeconds, clock });
    this.authenticator = new TokenAuthenticator(
      {
        requireHttps: this.options.requireHttps,
        revocationFailurePolicy: this.options.revocationFailurePolicy,
        revocationStateLoaded: () =>
          !this.options.refuseUntilCaughtUp ||
          (this.caughtUpOnce ||= this.revocationFeed.caughtUp && this.keyFeed.caughtUp),
        revocationCapacityExceeded: () => this.overCapacity,
        revocationStateProblem: () => this.revocationStateProblem(),
        validateClaims: this.options.validateClaims,
        clock,
        clockToleranceSeconds: this.options.clockToleranceSeconds,
      },
      this.tokenCache ?? verifier,
      this.index,
    );
  }

  /**
   * The whole check of a request's `Authorization` header: transport → extract → revocation state (capacity;
   * fail-closed: caught up and fresh) → verify → claims → revocation → scopes → recent authentication. Give every
   * line of the field (Node's `headersDistinct.authorization`) so a repeated one is refused. `requirements` is the
   * route's scope list, or {@link TokenRequirements} with a recent-authentication bound (`maxAuthAgeSeconds`). `transport` says whether the request arrived over
   * HTTPS; with `requireHttps` a request not known to be secure is refused. Resolves with the verified token, rejects
   * with an `AuthError`.
   */
  authenticate(
    authorization: string | readonly string[] | undefined,
    requirements: readonly string[] | TokenRequirements,
    transport?: RequestTransport,
  ): Promise<AuthenticatedToken> {
    return this.observed(this.authenticator.authenticate(authorization, requirements, transport));
  }

  /**
   * {@link authenticate} for an adapter that finds the token itself (the Passport adapter's `jwtFromRequest`):
   * `readToken` is called where the header would be parsed, after the transport check; what it returns goes through
   * the same checks. `null`, `undefined` or `''` is no token (401 without `error`).
   *
   * @example
   * ```ts
   * const token = await server.authenticateWith(() => ExtractJwt.fromUrlQueryParameter('access_token')(request), []);
   * ```
   */
  authenticateWith(
    readToken: () => string | null | undefined,
    requirements: readonly string[] | TokenRequirements,
    transport?: RequestTransport,
  ): Promise<AuthenticatedToken> {
    return this.observed(this.authenticator.authenticateWith(readToken, requirements, transport));
  }

  /**
   * True once the keys are loaded and every feed has caught up with its topic, while the index is within its cap,
   * and while the view of the revocations topic is within `maxStalenessSeconds`, whatever the failure policy.
   */
  get ready(): boolean {
    return this.keys.loaded && this.caughtUp && !this.overCapacity && !this.staleness.stale;
  }

  status(): ResourceServerStatus {
    return {
      ready: this.ready,
      keys: { loaded: this.keys.loaded, count: this.keys.kids.length, states: this.keys.stateCounts() },
      revocations: {
        ...feedStatus(this.revocationFeed),
        entries: this.index.size,
        entriesByType: this.index.sizes(),
        maxEntries: this.options.maxRevocationEntries,
        overCapacity: this.overCapacity,
        ...(this.snapshotLoader?.outcome === undefined ? {} : { snapshot: this.snapshotLoader.outcome }),
      },
      keyEvents: feedStatus(this.keyFeed),
      staleness: this.staleness.status(),
      tokenCache: this.tokenCache === undefined ? DISABLED_CACHE : { enabled: true, ...this.tokenCache.size() },
    };
  }

  /**
   * Starts in the background and returns at once (readiness reports progress): loads the published keys
   * (retrying with backoff until it succeeds), starts both feeds, periodically prunes expired revocations and drops
   * expired tokens from the verified-token cache, and watches the staleness bound (a warn log when the view turns
   * stale and when it recovers).
   */
  start(): void {
    this.loadKeys(KEY_RETRY_MS.initial);
    for (const feed of [this.keyFeed, this.revocationFeed]) {
      feed.start().catch((error: unknown) => {
        this.logger.error('Event feed failed to start', { topic: feed.topic, error: describeError(error) });
      });
    }
    this.pruneTimer = setInterval(() => {
      // Expired tokens are refused on a hit anyway; this gives their memory back without waiting for eviction.
      this.tokenCache?.prune();
      this.pruning ??= this.pruneRevocations().finally(() => (this.pruning = undefined));
    }, AUTH_DEFAULTS.revocationPruneIntervalMs).unref();
    this.stalenessTimer = setInterval(() => this.reportStaleness(), AUTH_DEFAULTS.stalenessCheckIntervalMs).unref();
  }

  /** Resolves once both feeds are caught up (rejects if one stops first). */
  async whenCaughtUp(): Promise<void> {
    await Promise.all([this.keyFeed.whenCaughtUp(), this.revocationFeed.whenCaughtUp()]);
  }

  /**
   * Drops expired revocations now (the timer does it every 30 s): one pass in slices of bounded work, yielding to
   * the event loop between them, so millions of entries never hold a request back for more than about a millisecond.
   */
  async pruneRevocations(): Promise<void> {
    while (!this.stopped && !this.index.prune(AUTH_DEFAULTS.revocationPruneSliceEntries).done) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.checkCapacity();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    clearInterval(this.stalenessTimer);
    await this.pruning;
    clearTimeout(this.keyRetryTimer);
    await Promise.all([this.keyFeed.stop(), this.revocationFeed.stop()]);
  }

  /** Tells the observers how a request's check ended; a listener's failure is not the request's. */
  private observed(outcome: Promise<AuthenticatedToken>): Promise<AuthenticatedToken> {
    return outcome.then(
      (token) => {
        this.events.emit('token.verified', { kid: token.kid, clientId: token.claims.client_id });
        return token;
      },
      (error: unknown) => {
        this.events.emit('token.rejected', {
          code: error instanceof AuthError ? error.code : UNEXPECTED_REJECTION_CODE,
        });
        throw error;
      },
    );
  }

  private feed(
    events: EventSource,
    role: 'revocations' | 'keys',
    handlers: EventHandlers,
    extra: Pick<EventFeedOptions, 'startFrom' | 'canSkip'> = {},
  ): EventFeed {
    const { issuer, audiences, algorithms, topics, groupIdPrefix, clock } = this.options;
    return new EventFeed(
      events,
      {
        topic: topics[role],
        groupIdPrefix: `${groupIdPrefix}.${role}`,
        issuer,
        audiences,
        algorithms,
        // Revocations come in bulk (a burst, a catch-up) and are signed by keys of the other topic.
        readAhead: role === 'revocations',
        ...extra,
      },
      this.keys,
      handlers,
      this.logger,
      {
        applied: (event, record, live, stages) =>
          this.events.emit('event.applied', {
            topic: record.topic,
            type: event.type,
            issuedAt: event.issuedAt,
            appliedAt: clock(),
            live,
            key: record.key,
            stages,
          }),
        dropped: (record, code) => this.events.emit('event.dropped', { topic: record.topic, code }),
      },
    );
  }

  private get caughtUp(): boolean {
    return this.revocationFeed.caughtUp && this.keyFeed.caughtUp;
  }

  /**
   * Where the revocation feed starts: after the newest valid snapshot, whose revocations are applied first (one
   * signature per chunk instead of one per event), or from the beginning when there is none.
   */
  private snapshotStart(
    events: EventSource,
  ): (() => Promise<Readonly<Record<number, string>> | undefined>) | undefined {
    const { topics, groupIdPrefix, issuer, audiences, algorithms, revocationSnapshotWaitMs } = this.options;
    if (topics.revocationSnapshots === false) return undefined;
    const loader = (this.snapshotLoader = new RevocationSnapshotLoader(
      events,
      {
        topic: topics.revocationSnapshots,
        revocationsTopic: topics.revocations,
        groupIdPrefix,
        issuer,
        audiences,
        algorithms,
        waitMs: revocationSnapshotWaitMs,
      },
      this.keys,
      this.logger,
      () => this.keysLoaded,
    ));
    return () =>
      loader.load((revocations) => {
        for (const revocation of revocations) this.index.apply(revocation);
        this.checkCapacity();
      });
  }

  private revocationStateProblem(): RevocationStateProblem | undefined {
    if (!this.caughtUp) return CATCHING_UP;
    if (!this.staleness.stale) return undefined;
    const age = this.staleness.ageSeconds();
    return {
      reason:
        age === undefined
          ? 'Revocation state is stale: no heartbeat from the issuer yet'
          : `Revocation state is stale: newest heartbeat ${Math.floor(age)} s old (bound ${this.options.maxStalenessSeconds} s)`,
      retryAfterSeconds: this.staleness.retryAfterSeconds,
    };
  }

  private revocationHandlers(): EventHandlers {
    const apply = (event: VerifiedSecurityEvent): void => {
      this.index.apply(parseRevocationEvent(event));
      this.checkCapacity();
    };
    return {
      ...Object.fromEntries(Object.keys(REVOCATION_EVENT_TARGETS).map((type) => [type, apply])),
      [EVENT_TYPES.heartbeat]: (event: VerifiedSecurityEvent) => this.applyHeartbeat(parseHeartbeatEvent(event)),
    };
  }

  private applyHeartbeat(heartbeat: VerifiedHeartbeat): void {
    this.staleness.observe(heartbeat);
    const { intervalSeconds } = heartbeat;
    if (intervalSeconds >= this.options.maxStalenessSeconds && intervalSeconds !== this.warnedIntervalSeconds) {
      this.warnedIntervalSeconds = intervalSeconds;
      this.logger.warn(
        'The issuer sends heartbeats less often than maxStalenessSeconds: the view turns stale between two',
        {
          topic: this.revocationFeed.topic,
          intervalSeconds,
          maxStalenessSeconds: this.options.maxStalenessSeconds,
        },
      );
    }
    this.reportStaleness();
  }

  /**
   * Logs each stale/fresh transition once (the request path never logs it). Before the feeds have caught up the
   * service is starting, which readiness reports; staleness means something from then on.
   */
  private reportStaleness(): void {
    if (!this.caughtUp) return;
    const change = this.staleness.change();
    if (change === undefined) return;
    const { ageSeconds, maxStalenessSeconds, lastHeartbeat } = this.staleness.status();
    const policy = this.options.revocationFailurePolicy;
    const fields = { topic: this.revocationFeed.topic, policy, ageSeconds, maxStalenessSeconds, lastHeartbeat };
    if (change === 'fresh') {
      this.logger.warn('Revocation state is fresh again: heartbeats are arriving', fields);
    } else if (policy === 'closed') {
      this.logger.warn('Revocation state is stale: refusing every token (503) until a fresh heartbeat', fields);
    } else {
      this.logger.warn(
        'Revocation state is stale: still accepting tokens (fail-open), revocations may be missed',
        fields,
      );
    }
  }

  private keyHandlers(): EventHandlers {
    const apply = async (event: VerifiedSecurityEvent): Promise<void> => {
      const keyEvent = parseKeyEvent(event);
      if (await this.keys.apply(keyEvent)) {
        this.logger.info('Key set changed by a key event', { kid: keyEvent.kid, state: keyEvent.state });
      }
    };
    return Object.fromEntries([...new Set(Object.values(KEY_EVENT_TYPES))].map((type) => [type, apply]));
  }

  /** Says so, once, when the index goes over its cap and when it is back under. */
  private checkCapacity(): void {
    const over = this.index.size > this.options.maxRevocationEntries;
    if (over === this.overCapacity) return;
    this.overCapacity = over;
    const fields = { entries: this.index.size, maxEntries: this.options.maxRevocationEntries };
    if (over) this.logger.error('Revocation index over capacity: refusing every token until it is pruned', fields);
    else this.logger.info('Revocation index back under capacity: accepting tokens again', fields);
  }

  private loadKeys(retryInMs: number): void {
    this.keys.refresh().then(this.markKeysLoaded, (error: unknown) => {
      if (this.stopped) return;
      this.logger.warn('Key set not loaded yet; retrying', { error: describeError(error), retryInMs });
      this.keyRetryTimer = setTimeout(() => this.loadKeys(Math.min(retryInMs * 2, KEY_RETRY_MS.max)), retryInMs);
    });
  }
}

function feedStatus(feed: EventFeed): EventFeedStatus {
  return { topic: feed.topic, caughtUp: feed.caughtUp, ...feed.stats };
}
