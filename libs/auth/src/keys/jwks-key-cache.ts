import { importJWK, type JWK } from 'jose';
import { describeError, type EventLogger } from '@app/events';
import { InvalidTokenError, KeySourceUnavailableError } from '../errors/auth.errors.js';
import { KeyResolver, type VerificationKey } from './verification-key.js';

/** Options of {@link JwksKeyCache}. */
export interface JwksKeyCacheOptions {
  readonly jwksUri: string;
  /** Only keys whose `alg` is listed here are imported; the rest of the set is ignored. */
  readonly algorithms: readonly string[];
  /** Minimum interval between two fetches triggered by an unknown `kid`. */
  readonly cooldownMs: number;
  /** Age after which a lookup triggers a background refresh (the cached keys keep serving meanwhile). */
  readonly maxAgeMs: number;
  readonly timeoutMs: number;
  readonly clock: () => number;
  readonly logger: EventLogger;
  /** Injected for tests; default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

interface CachedKey extends VerificationKey {
  /** The public parameters as published, to reuse the imported key when the set is refetched. */
  readonly fingerprint: string;
}

const MAX_JWKS_BYTES = 64 * 1024;
const MIN_REFETCH_INTERVAL_MS = 1_000;

/**
 * In-memory key set fed by a JWKS endpoint (RFC 7517), modelled on jose's remote JWKS: keys are
 * imported once, an unknown `kid` triggers at most one shared fetch per cooldown, and a stale set is
 * refreshed in the background while it keeps serving. Each key is bound to the `alg` it is published
 * with, so a token cannot pick another algorithm for it.
 *
 * @example
 * ```ts
 * const keys = new JwksKeyCache({ jwksUri, algorithms: ['ES256'], cooldownMs: 30_000, maxAgeMs: 600_000,
 *   timeoutMs: 5_000, clock: Date.now, logger });
 * await keys.refresh();
 * const { key, alg } = await keys.getKey(kid);
 * ```
 */
export class JwksKeyCache extends KeyResolver {
  private keys = new Map<string, CachedKey>();
  private fetchedAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private lastAttemptFailed = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: JwksKeyCacheOptions) {
    super();
  }

  /** True once a key set has been fetched successfully. */
  get loaded(): boolean {
    return this.fetchedAt !== undefined;
  }

  /** The `kid`s currently trusted. */
  get kids(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * The key published under `kid`. An unknown `kid` triggers a refetch at most once per cooldown, so
   * bearer tokens with random `kid`s cannot make the service hammer the JWKS endpoint. A trusted caller
   * (the revocation feed, reading an access-controlled topic) passes `refreshIfFetchedBefore`: the set is
   * then refetched (at most once a second) unless it was fetched after that instant, so a newly published
   * key is never mistaken for an unknown one.
   */
  override async getKey(
    kid: string,
    { refreshIfFetchedBefore }: { refreshIfFetchedBefore?: number } = {},
  ): Promise<VerificationKey> {
    const cached = this.keys.get(kid);
    if (cached !== undefined) {
      if (this.isStale()) {
        this.refreshInBackground();
      }
      return cached;
    }
    if (this.mayFetchForUnknownKid()) {
      await this.refresh();
    } else if (this.fetchedBefore(refreshIfFetchedBefore)) {
      if (this.options.clock() - (this.lastAttemptAt ?? 0) < MIN_REFETCH_INTERVAL_MS) {
        throw new KeySourceUnavailableError(
          `Key ${JSON.stringify(kid)} unknown; the key set is refetched within a second`,
        );
      }
      await this.refresh();
    }
    const fetched = this.keys.get(kid);
    if (fetched === undefined && this.lastAttemptFailed) {
      throw new KeySourceUnavailableError(`Key ${JSON.stringify(kid)} unknown and the JWKS could not be read`);
    }
    if (fetched === undefined) {
      throw new InvalidTokenError('ERR_TOKEN_KEY_UNKNOWN', `No published key with kid ${JSON.stringify(kid)}`);
    }
    return fetched;
  }

  /**
   * Fetches the key set now. Concurrent callers share one request. Rejects with
   * {@link KeySourceUnavailableError} when the endpoint cannot be read or returns an unusable set.
   */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetchAndImport().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private fetchedBefore(instant: number | undefined): boolean {
    return instant !== undefined && (this.fetchedAt === undefined || this.fetchedAt < instant);
  }

  private isStale(): boolean {
    return this.fetchedAt !== undefined && this.options.clock() - this.fetchedAt > this.options.maxAgeMs;
  }

  private mayFetchForUnknownKid(): boolean {
    if (this.inFlight !== undefined || this.lastAttemptAt === undefined) {
      return true;
    }
    // After a failure, retry sooner: the key set is unknown rather than known not to hold the kid.
    const cooldown = this.lastAttemptFailed
      ? Math.min(this.options.cooldownMs, MIN_REFETCH_INTERVAL_MS)
      : this.options.cooldownMs;
    return this.options.clock() - this.lastAttemptAt >= cooldown;
  }

  private refreshInBackground(): void {
    if (this.inFlight !== undefined || !this.mayFetchForUnknownKid()) {
      return;
    }
    this.refresh().catch((error: unknown) => {
      this.options.logger.warn('Background JWKS refresh failed; serving the cached keys', {
        jwksUri: this.options.jwksUri,
        error: describeError(error),
      });
    });
  }

  private async fetchAndImport(): Promise<void> {
    // The set is as fresh as the request for it: a fetch sent before a key was published does not know it.
    const startedAt = this.options.clock();
    this.lastAttemptAt = startedAt;
    this.lastAttemptFailed = true;
    const document = await this.download();
    const next = new Map<string, CachedKey>();
    for (const jwk of document) {
      const key = await this.importKey(jwk);
      if (key !== undefined) {
        next.set(key.kid, key);
      }
    }
    this.keys = next;
    this.fetchedAt = startedAt;
    this.lastAttemptFailed = false;
    this.options.logger.debug('JWKS loaded', { jwksUri: this.options.jwksUri, kids: [...next.keys()] });
  }

  private async download(): Promise<unknown[]> {
    const fetchImpl = this.options.fetch ?? fetch;
    let body: string;
    try {
      const response = await fetchImpl(this.options.jwksUri, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status !== 200) {
        throw new Error(`HTTP ${response.status}`);
      }
      body = await response.text();
    } catch (error) {
      throw new KeySourceUnavailableError(`JWKS ${this.options.jwksUri} could not be fetched`, { cause: error });
    }
    if (body.length > MAX_JWKS_BYTES) {
      throw new KeySourceUnavailableError(`JWKS ${this.options.jwksUri} is larger than ${MAX_JWKS_BYTES} bytes`);
    }
    const keys = parseKeys(body);
    if (keys === undefined) {
      throw new KeySourceUnavailableError(`JWKS ${this.options.jwksUri} is not a JSON Web Key Set`);
    }
    return keys;
  }

  private async importKey(candidate: unknown): Promise<CachedKey | undefined> {
    if (!isPublicSigningJwk(candidate)) {
      this.options.logger.warn('Ignoring a JWKS entry that is not a public signing key with kid and alg', {
        jwksUri: this.options.jwksUri,
      });
      return undefined;
    }
    if (!this.options.algorithms.includes(candidate.alg)) {
      return undefined;
    }
    const fingerprint = JSON.stringify(candidate);
    const existing = this.keys.get(candidate.kid);
    if (existing?.fingerprint === fingerprint) {
      return existing;
    }
    try {
      const key = await importJWK(candidate, candidate.alg);
      if (key instanceof Uint8Array) {
        return undefined;
      }
      return { kid: candidate.kid, alg: candidate.alg, key, fingerprint };
    } catch (error) {
      this.options.logger.warn('Ignoring a JWKS key that does not import for its alg', {
        kid: candidate.kid,
        alg: candidate.alg,
        error: describeError(error),
      });
      return undefined;
    }
  }
}

type PublicSigningJwk = JWK & { kid: string; alg: string };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

function isPublicSigningJwk(value: unknown): value is PublicSigningJwk {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const jwk = value as Record<string, unknown>;
  return (
    typeof jwk.kid === 'string' &&
    jwk.kid !== '' &&
    typeof jwk.alg === 'string' &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    jwk.kty !== 'oct' &&
    PRIVATE_MEMBERS.every((member) => jwk[member] === undefined)
  );
}

function parseKeys(body: string): unknown[] | undefined {
  try {
    const document: unknown = JSON.parse(body);
    const keys = (document as { keys?: unknown } | null)?.keys;
    return Array.isArray(keys) ? keys : undefined;
  } catch {
    return undefined;
  }
}
