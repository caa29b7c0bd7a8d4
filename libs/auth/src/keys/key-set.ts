import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import {
  describeError,
  EventVerificationError,
  isPublicJwk,
  PUBLISHED_KEY_STATES,
  type EventLogger,
  type KeyLifecycleEvent,
  type SigningKeyState,
} from '@app/events';
import { KeySourceUnavailableError } from '../errors/auth.errors.js';
import { KeyNotFoundError, KeyResolver, type VerificationKey } from './verification-key.js';

/** Options of {@link KeySet}. */
export interface KeySetOptions {
  /** Only keys whose `alg` is listed here are trusted; the rest are ignored. */
  readonly algorithms: readonly string[];
  /** Reads the issuer's published keys (JWKS entries, unchecked): {@link createJwksLoader} or the issuer's own store. */
  readonly load: () => Promise<unknown[]>;
  /** Minimum interval between two loads triggered by an unknown `kid`. */
  readonly cooldownMs: number;
  /** Age after which a lookup triggers a background reload (a safety net: key events keep the set current). */
  readonly maxAgeMs: number;
  readonly clock: () => number;
  readonly logger: EventLogger;
  /**
   * Called, synchronously, when the key under `kid` stops being the one that verified earlier tokens: dropped
   * (retired, revoked) or replaced by other material. Whatever remembers verifications by key forgets them here.
   */
  readonly onKeyRemoved?: (kid: string) => void;
}

interface TrustedKey extends VerificationKey {
  /** The public parameters as published, to reuse the imported key when the same key is seen again. */
  readonly fingerprint: string;
}

/** After a failed load the set is unknown, not known to lack the key: retry sooner than the cooldown. */
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * The keys a resource server trusts, modelled on jose's remote JWKS: each key is imported once and bound to the
 * `alg` it is published with. Fed from two sides:
 * - the issuer's published set ({@link KeySetOptions.load}), at start and when a `kid` is unknown: at most one load
 *   per cooldown, shared by every caller while in flight. A load only adds keys: an empty or partial answer never
 *   removes a trusted key (a cache or a broken deployment in between must not lock every token out);
 * - key lifecycle events ({@link apply}): a published key is trusted before it signs, a retired key leaves, a
 *   revoked key leaves at once and never comes back, whatever a later load says.
 *
 * @example
 * ```ts
 * const keys = new KeySet({ algorithms: ['ES256'], load: createJwksLoader({ jwksUri, timeoutMs: 5_000 }),
 *   cooldownMs: 30_000, maxAgeMs: 600_000, clock: Date.now, logger });
 * await keys.refresh();
 * const { key } = await keys.resolve({ kid, alg: 'ES256' });
 * ```
 */
export class KeySet extends KeyResolver {
  private readonly keys = new Map<string, TrustedKey>();
  /** Retired and revoked kids: final states, never trusted again. */
  private readonly ended = new Map<string, 'retired' | 'revoked'>();
  /** The latest lifecycle state a key event gave each trusted kid (keys known only from a load have none). */
  private readonly states = new Map<string, SigningKeyState>();
  private loadedAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private lastAttemptFailed = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: KeySetOptions) {
    super();
  }

  /** True once the published set has been loaded successfully. */
  get loaded(): boolean {
    return this.loadedAt !== undefined;
  }

  /** The `kid`s currently trusted. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  /** How many kids were retired or revoked since start. */
  get endedCount(): number {
    return this.ended.size;
  }

  /**
   * How many keys are in each state: trusted ones by the state their latest key event gave (`published` when only a
   * load of the published set knows them), and the kids retired or revoked since start.
   */
  stateCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    const count = (state: string): void => void (counts[state] = (counts[state] ?? 0) + 1);
    for (const kid of this.keys.keys()) count(this.states.get(kid) ?? 'published');
    for (const state of this.ended.values()) count(state);
    return counts;
  }

  /**
   * The trusted key with this `kid` and `alg`. An unknown `kid` loads the published set again at most once per
   * cooldown (concurrent callers share the load), so neither random `kid`s in bearer tokens nor forged events can
   * make the service hammer the issuer or wait on it: past that, the answer is {@link KeyNotFoundError} at once.
   * Before the first successful load every lookup is `KeySourceUnavailableError` (transient).
   */
  override async resolve(header: { readonly kid: string; readonly alg: string }): Promise<VerificationKey> {
    const trusted = this.keys.get(header.kid) ?? (await this.loadFor(header.kid));
    if (trusted === undefined) {
      if (!this.loaded) {
        throw new KeySourceUnavailableError(`Key ${JSON.stringify(header.kid)} unknown: no key set loaded yet`);
      }
      throw new KeyNotFoundError(header.kid, this.ended.get(header.kid) === 'revoked' ? 'revoked' : 'unknown');
    }
    if (trusted.alg !== header.alg) throw new KeyNotFoundError(header.kid, 'alg-mismatch');
    if (this.isStale()) this.refreshInBackground();
    return trusted;
  }

  /**
   * Loads the published set now and adds what it holds. Concurrent callers share one load. Rejects with
   * `KeySourceUnavailableError` when it cannot be read.
   */
  refresh(): Promise<void> {
    this.inFlight ??= this.loadAndImport().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Applies a verified key lifecycle event. `next`, `current` and `previous` trust the key (its `kid` must be the
   * RFC 7638 thumbprint of its JWK, else the event is refused); `retired` and `revoked` drop it for good. Returns
   * whether the set changed. Throws `EventVerificationError` for an event whose key does not fit it.
   */
  async apply(event: KeyLifecycleEvent): Promise<boolean> {
    if (this.ended.has(event.kid)) return false;
    if (!PUBLISHED_KEY_STATES.includes(event.state)) {
      this.ended.set(event.kid, event.state === 'revoked' ? 'revoked' : 'retired');
      this.states.delete(event.kid);
      const removed = this.keys.delete(event.kid);
      this.options.onKeyRemoved?.(event.kid);
      return removed;
    }
    if (!this.options.algorithms.includes(event.alg)) return false;
    if ((await calculateJwkThumbprint(event.jwk, 'sha256')) !== event.kid) {
      throw new EventVerificationError('ERR_EVENT_CLAIMS_INVALID', '"kid" is not the thumbprint of "jwk"');
    }
    const key = await this.importKey({ ...event.jwk, kid: event.kid, alg: event.alg });
    if (key === undefined) throw new EventVerificationError('ERR_EVENT_CLAIMS_INVALID', '"jwk" does not import');
    const changed = this.keys.get(key.kid) !== key;
    this.trust(key);
    this.states.set(key.kid, event.state);
    return changed;
  }

  private trust(key: TrustedKey): void {
    const replaced = this.keys.has(key.kid) && this.keys.get(key.kid) !== key;
    this.keys.set(key.kid, key);
    if (replaced) this.options.onKeyRemoved?.(key.kid);
  }

  private async loadFor(kid: string): Promise<TrustedKey | undefined> {
    if (this.inFlight === undefined && !this.mayLoadForUnknownKid()) return undefined;
    await this.refresh().catch(() => undefined);
    return this.keys.get(kid);
  }

  private isStale(): boolean {
    return this.loadedAt !== undefined && this.options.clock() - this.loadedAt > this.options.maxAgeMs;
  }

  private mayLoadForUnknownKid(): boolean {
    if (this.lastAttemptAt === undefined) return true;
    const cooldown = this.lastAttemptFailed
      ? Math.min(this.options.cooldownMs, RETRY_AFTER_FAILURE_MS)
      : this.options.cooldownMs;
    return this.options.clock() - this.lastAttemptAt >= cooldown;
  }

  private refreshInBackground(): void {
    if (this.inFlight !== undefined || !this.mayLoadForUnknownKid()) return;
    this.refresh().catch((error: unknown) => {
      this.options.logger.warn('Background key set reload failed; serving the trusted keys', {
        error: describeError(error),
      });
    });
  }

  private async loadAndImport(): Promise<void> {
    const startedAt = this.options.clock();
    this.lastAttemptAt = startedAt;
    this.lastAttemptFailed = true;
    const entries = await this.options.load();
    const added: string[] = [];
    for (const entry of entries) {
      const key = await this.importEntry(entry);
      if (key === undefined || this.keys.get(key.kid) === key) continue;
      this.trust(key);
      added.push(key.kid);
    }
    this.loadedAt = startedAt;
    this.lastAttemptFailed = false;
    this.options.logger.debug('Key set loaded', { added, trusted: this.kids });
  }

  private async importEntry(entry: unknown): Promise<TrustedKey | undefined> {
    if (!isPublishedSigningJwk(entry)) {
      this.options.logger.warn('Ignoring a published entry that is not a public signing key with kid and alg');
      return undefined;
    }
    if (this.ended.has(entry.kid) || !this.options.algorithms.includes(entry.alg)) return undefined;
    return this.importKey(entry);
  }

  private async importKey(jwk: PublishedSigningJwk): Promise<TrustedKey | undefined> {
    const fingerprint = fingerprintOf(jwk);
    const existing = this.keys.get(jwk.kid);
    if (existing?.fingerprint === fingerprint) return existing;
    try {
      const key = await importJWK(jwk, jwk.alg);
      if (key instanceof Uint8Array) return undefined;
      return { kid: jwk.kid, alg: jwk.alg, key, fingerprint };
    } catch (error) {
      this.options.logger.warn('Ignoring a key that does not import for its alg', {
        kid: jwk.kid,
        alg: jwk.alg,
        error: describeError(error),
      });
      return undefined;
    }
  }
}

type PublishedSigningJwk = JWK & { kid: string; alg: string };

function isPublishedSigningJwk(value: unknown): value is PublishedSigningJwk {
  return (
    isPublicJwk(value) &&
    typeof value.kid === 'string' &&
    value.kid !== '' &&
    typeof value.alg === 'string' &&
    (value.use === undefined || value.use === 'sig')
  );
}

/** The key's parameters in a fixed order, without the usage hints a JWKS adds and an event leaves out. */
function fingerprintOf(jwk: JWK): string {
  const { use: _use, key_ops: _keyOps, ...parameters } = jwk;
  return JSON.stringify(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : 1)));
}
