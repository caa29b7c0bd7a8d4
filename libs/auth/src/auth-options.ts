import { TOPICS } from '@app/events';
import type { AccessTokenClaims } from './tokens/access-token-claims.js';

/**
 * What the guard does while the revocation state cannot vouch for a token: not caught up with its topics yet, or
 * stale (no fresh heartbeat from the issuer within `maxStalenessSeconds`).
 */
export type RevocationFailurePolicy = 'closed' | 'open';

/**
 * Options of a {@link ResourceServer} (and, through `AuthModuleOptions`, of the Nest module). Only `issuer` and
 * `audience` are required; every other field has the safe default documented on it (see {@link AUTH_DEFAULTS}).
 *
 * @example
 * ```ts
 * const options: AuthOptions = { issuer: 'https://auth.example.com', audience: 'orders-service' };
 * ```
 */
export interface AuthOptions {
  /** Expected `iss` of access tokens and security events: the auth service's base URL. */
  issuer: string;
  /** This resource server's audience identifier(s); a token's `aud` must name one of them (RFC 9068). */
  audience: string | readonly string[];
  /** Where the verification keys are published. Default: `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /**
   * Accepted JWS algorithms, each bound to the keys published for it. Default: the three the auth service can sign
   * with, `['ES256', 'EdDSA', 'RS256']` (a key's algorithm is its own, so a wider list opens no confusion).
   * Asymmetric only.
   */
  algorithms?: readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default 30, at most 300. */
  clockToleranceSeconds?: number;
  /** Longest accepted compact token, in bytes; longer ones are refused before any parsing. Default 8192. */
  maxTokenBytes?: number;
  /** Realm named in `WWW-Authenticate` challenges. Default: the first audience. */
  realm?: string;
  /** Topics to read from the beginning. Default {@link TOPICS}. */
  /**
   * `revocationSnapshots`: the topic of signed revocation snapshots (default `auth.revocation-snapshots.v1`), read
   * once at start so the revocations topic is read only from where the newest valid snapshot ends; `false` reads
   * the whole revocations topic instead.
   */
  topics?: { revocations?: string; keys?: string; revocationSnapshots?: string | false };
  /**
   * Longest wait at start for the snapshots topic to be read (it may not exist: an older auth service) before the
   * whole revocations topic is read instead. Default 10 000 ms.
   */
  revocationSnapshotWaitMs?: number;
  /** Consumer groups are `<groupIdPrefix>.<topic role>.<uuid>`. Default: the first audience. */
  groupIdPrefix?: string;
  /**
   * While the revocation state has not caught up with its topics, or is stale (see `maxStalenessSeconds`):
   * `closed` refuses every token with 503 + `Retry-After` (a token revoked meanwhile is never accepted), `open`
   * verifies against the index as it is and says so (a warn log when it turns stale and when it recovers,
   * readiness reports stale). Default `closed`.
   */
  revocationFailurePolicy?: RevocationFailurePolicy;
  /**
   * Refuse every token with 503 until the index has first caught up since start, whatever the policy: before that
   * it misses revocations already on the topic, and a fail-open service would accept tokens revoked while it was
   * down. Default `true`; `false` only where being able to answer at all beats that (an issuer's own admin API
   * during a Kafka outage).
   */
  refuseUntilCaughtUp?: boolean;
  /**
   * How old, in seconds, the view of the revocations topic may be: the time since the `iat` of the newest signed
   * heartbeat applied (the issuer sends one every few seconds, after every revocation committed before it). Past
   * it the service is stale: not ready, and `revocationFailurePolicy` applies. Must exceed the issuer's heartbeat
   * interval plus delivery and clock skew. Default 30, between 1 and 86400.
   */
  maxStalenessSeconds?: number;
  /**
   * Key set tuning: min interval between loads of the published keys for unknown `kid`s, age after which a
   * lookup reloads them in the background (a safety net: key events keep the set current), fetch timeout.
   */
  jwks?: { cooldownMs?: number; maxAgeMs?: number; timeoutMs?: number };
  /**
   * Most live revocation entries held in memory. Past it the service refuses every token (503, whatever the failure
   * policy: it can no longer vouch for what it holds) and logs an error, until pruning brings it back under; no entry
   * is ever dropped to make room. Default 2,000,000.
   */
  maxRevocationEntries?: number;
  /**
   * The verified-token cache: a token presented again is not verified again (signature, key lookup, claims parsing),
   * keyed by the whole token, bounded by entries and estimated bytes with least-recently-used eviction. `exp`/`nbf`/
   * `iat`, the claim policy, the revocation index and the scopes are still checked on every request; a key's entries
   * are dropped when the key is revoked or retired. Default `{ maxEntries: 10_000, maxBytes: 16 MiB }`; `false`
   * verifies every request in full.
   */
  tokenCache?: { maxEntries?: number; maxBytes?: number } | false;
  /** Extra claim policy run after the standard checks; throws `InvalidTokenError` to refuse a token. */
  validateClaims?: (claims: AccessTokenClaims) => Promise<void>;
  /**
   * Reads the issuer's published keys (JWKS entries). Default: a bounded fetch of `jwksUri`. The issuer itself
   * passes its own key store here.
   */
  loadKeys?: () => Promise<unknown[]>;
  /** Allow `http:` issuer/JWKS URLs on non-loopback hosts (e.g. inside a compose network). Default false. */
  allowInsecureHttp?: boolean;
  /**
   * Refuse tokens on requests that did not arrive over HTTPS (400 `invalid_request`, `ERR_INSECURE_TRANSPORT`):
   * the adapter tells {@link ResourceServer.authenticate} whether the request was secure, directly or as forwarded
   * by a trusted proxy. Default false: only the service knows whether TLS ends before it, so its configuration
   * turns this on (the apps here do in production, with TLS, and behind trusted proxies).
   */
  requireHttps?: boolean;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  clock?: () => number;
}

/** The defaults applied by {@link resolveAuthOptions}, in one place. */
export const AUTH_DEFAULTS = {
  algorithms: ['ES256', 'EdDSA', 'RS256'],
  clockToleranceSeconds: 30,
  maxClockToleranceSeconds: 300,
  maxTokenBytes: 8192,
  revocationFailurePolicy: 'closed',
  maxStalenessSeconds: 30,
  maxMaxStalenessSeconds: 86_400,
  /** How often a stale/fresh transition is looked for, to log it without waiting for a request. */
  stalenessCheckIntervalMs: 1_000,
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 600_000,
  jwksTimeoutMs: 5_000,
  revocationPruneIntervalMs: 30_000,
  revocationSnapshotWaitMs: 10_000,
  /** Entries one pruning slice looks at before yielding to the event loop (about a millisecond of work). */
  revocationPruneSliceEntries: 10_000,
  maxRevocationEntries: 2_000_000,
  requireHttps: false,
  refuseUntilCaughtUp: true,
  /** Verified tokens kept; a typical 500-character token costs about 1.3 kB, so about 13 MB at this bound. */
  tokenCacheMaxEntries: 10_000,
  /** Estimated bytes of verified tokens kept (token, claims, overhead), whichever bound is reached first. */
  tokenCacheMaxBytes: 16 * 1024 * 1024,
} as const;

/** Asymmetric JWS algorithms the library can bind to a published key. */
export const SUPPORTED_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

/** {@link AuthOptions} with every default applied and every value checked. */
export interface ResolvedAuthOptions {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxTokenBytes: number;
  readonly realm: string;
  readonly topics: {
    readonly revocations: string;
    readonly keys: string;
    /** `false`: no snapshots, the whole revocations topic is read. */
    readonly revocationSnapshots: string | false;
  };
  readonly revocationSnapshotWaitMs: number;
  readonly groupIdPrefix: string;
  readonly revocationFailurePolicy: RevocationFailurePolicy;
  readonly maxRevocationEntries: number;
  readonly requireHttps: boolean;
  readonly refuseUntilCaughtUp: boolean;
  readonly maxStalenessSeconds: number;
  readonly jwks: { readonly cooldownMs: number; readonly maxAgeMs: number; readonly timeoutMs: number };
  /** `false` when disabled. */
  readonly tokenCache: { readonly maxEntries: number; readonly maxBytes: number } | false;
  readonly validateClaims?: (claims: AccessTokenClaims) => Promise<void>;
  readonly loadKeys?: () => Promise<unknown[]>;
  readonly clock: () => number;
}

/**
 * Applies {@link AUTH_DEFAULTS} and validates the options. Throws a `TypeError` naming the offending
 * option, so a misconfigured service fails at boot rather than on its first request.
 *
 * @example
 * ```ts
 * const options = resolveAuthOptions({ issuer, audience: 'orders-service' });
 * ```
 */
export function resolveAuthOptions(options: AuthOptions): ResolvedAuthOptions {
  const name = 'AuthOptions';
  const integer = (option: string, value: unknown, min: number, max: number): number =>
    requireInteger(`${name}.${option}`, value, min, max);
  const allowInsecureHttp = options.allowInsecureHttp ?? false;
  const issuer = requireUrl(`${name}.issuer`, options.issuer, allowInsecureHttp);
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audiences.length === 0 || audiences.some((audience) => typeof audience !== 'string' || audience === '')) {
    throw new TypeError(`${name}.audience must be a non-empty string or list of non-empty strings`);
  }
  const jwksUri = requireUrl(
    `${name}.jwksUri`,
    options.jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    allowInsecureHttp,
  );
  const algorithms = [...(options.algorithms ?? AUTH_DEFAULTS.algorithms)];
  const unsupported = algorithms.filter((alg) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg));
  if (algorithms.length === 0 || unsupported.length > 0) {
    throw new TypeError(
      `${name}.algorithms must list asymmetric algorithms among ${SUPPORTED_ALGORITHMS.join(', ')}` +
        (unsupported.length > 0 ? `; refused: ${unsupported.join(', ')}` : ''),
    );
  }
  const revocationFailurePolicy = options.revocationFailurePolicy ?? AUTH_DEFAULTS.revocationFailurePolicy;
  if (revocationFailurePolicy !== 'closed' && revocationFailurePolicy !== 'open') {
    throw new TypeError(`${name}.revocationFailurePolicy must be 'closed' or 'open'`);
  }
  const requireHttps = options.requireHttps ?? AUTH_DEFAULTS.requireHttps;
  if (typeof requireHttps !== 'boolean') {
    throw new TypeError(`${name}.requireHttps must be a boolean`);
  }
  const refuseUntilCaughtUp = options.refuseUntilCaughtUp ?? AUTH_DEFAULTS.refuseUntilCaughtUp;
  if (typeof refuseUntilCaughtUp !== 'boolean') {
    throw new TypeError(`${name}.refuseUntilCaughtUp must be a boolean`);
  }
  for (const hook of ['validateClaims', 'loadKeys', 'clock'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new TypeError(`${name}.${hook} must be a function`);
    }
  }
  return Object.freeze({
    issuer,
    audiences,
    jwksUri,
    algorithms,
    clockToleranceSeconds: integer(
      'clockToleranceSeconds',
      options.clockToleranceSeconds ?? AUTH_DEFAULTS.clockToleranceSeconds,
      0,
      AUTH_DEFAULTS.maxClockToleranceSeconds,
    ),
    maxTokenBytes: integer('maxTokenBytes', options.maxTokenBytes ?? AUTH_DEFAULTS.maxTokenBytes, 256, 65_536),
    realm: options.realm ?? audiences[0],
    topics: {
      revocations: requireTopic(`${name}.topics.revocations`, options.topics?.revocations ?? TOPICS.revocations),
      keys: requireTopic(`${name}.topics.keys`, options.topics?.keys ?? TOPICS.keys),
      revocationSnapshots:
        options.topics?.revocationSnapshots === false
          ? (false as const)
          : requireTopic(
              `${name}.topics.revocationSnapshots`,
              options.topics?.revocationSnapshots ?? TOPICS.revocationSnapshots,
            ),
    },
    revocationSnapshotWaitMs: integer(
      'revocationSnapshotWaitMs',
      options.revocationSnapshotWaitMs ?? AUTH_DEFAULTS.revocationSnapshotWaitMs,
      0,
      600_000,
    ),
    groupIdPrefix: options.groupIdPrefix ?? audiences[0],
    revocationFailurePolicy,
    maxRevocationEntries: integer(
      'maxRevocationEntries',
      options.maxRevocationEntries ?? AUTH_DEFAULTS.maxRevocationEntries,
      1,
      1_000_000_000,
    ),
    requireHttps,
    refuseUntilCaughtUp,
    maxStalenessSeconds: integer(
      'maxStalenessSeconds',
      options.maxStalenessSeconds ?? AUTH_DEFAULTS.maxStalenessSeconds,
      1,
      AUTH_DEFAULTS.maxMaxStalenessSeconds,
    ),
    jwks: {
      cooldownMs: integer('jwks.cooldownMs', options.jwks?.cooldownMs ?? AUTH_DEFAULTS.jwksCooldownMs, 0, 3_600_000),
      maxAgeMs: integer('jwks.maxAgeMs', options.jwks?.maxAgeMs ?? AUTH_DEFAULTS.jwksMaxAgeMs, 1_000, 86_400_000),
      timeoutMs: integer('jwks.timeoutMs', options.jwks?.timeoutMs ?? AUTH_DEFAULTS.jwksTimeoutMs, 100, 60_000),
    },
    tokenCache: resolveTokenCache(options.tokenCache, integer),
    validateClaims: options.validateClaims,
    loadKeys: options.loadKeys,
    clock: options.clock ?? Date.now,
  });
}

function resolveTokenCache(
  option: AuthOptions['tokenCache'],
  integer: (option: string, value: unknown, min: number, max: number) => number,
): ResolvedAuthOptions['tokenCache'] {
  if (option === false) return false;
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new TypeError('AuthOptions.tokenCache must be false or { maxEntries, maxBytes }');
  }
  return {
    maxEntries: integer(
      'tokenCache.maxEntries',
      option?.maxEntries ?? AUTH_DEFAULTS.tokenCacheMaxEntries,
      1,
      10_000_000,
    ),
    maxBytes: integer('tokenCache.maxBytes', option?.maxBytes ?? AUTH_DEFAULTS.tokenCacheMaxBytes, 65_536, 2 ** 34),
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function requireUrl(option: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`${option} must be an absolute URL`);
  }
  const url = new URL(value);
  const secure = url.protocol === 'https:';
  const localHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (!secure && !localHttp && !(allowInsecureHttp && url.protocol === 'http:')) {
    throw new TypeError(`${option} must use https: (http: is accepted on loopback, or with allowInsecureHttp)`);
  }
  return value;
}

function requireInteger(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${option} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function requireTopic(option: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(value)) {
    throw new TypeError(`${option} must be a Kafka topic name`);
  }
  return value;
}
