import type { KafkaConnectionOptions } from '@app/events';

/** What the guard does while the revocation state is not (or no longer) caught up with its topic. */
export type RevocationFailurePolicy = 'closed' | 'open';

/**
 * Options of {@link AuthModule}. Only `issuer`, `audience` and `kafka` are required; every other
 * field has the safe default documented on it (see {@link AUTH_DEFAULTS}).
 *
 * @example
 * ```ts
 * AuthModule.forRoot({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-service',
 *   kafka: { brokers: ['kafka:9092'], clientId: 'orders-service' },
 * });
 * ```
 */
export interface AuthModuleOptions {
  /** Expected `iss` of access tokens and security events: the auth service's base URL. */
  issuer: string;
  /** This resource server's audience identifier(s); a token's `aud` must name one of them (RFC 9068). */
  audience: string | readonly string[];
  /** Where the verification keys are published. Default: `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Accepted JWS algorithms, each bound to the keys published for it. Default `['ES256']`. Asymmetric only. */
  algorithms?: readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default 30, at most 300. */
  clockToleranceSeconds?: number;
  /** Longest accepted compact token, in bytes; longer ones are refused before any parsing. Default 8192. */
  maxTokenBytes?: number;
  /** Realm named in `WWW-Authenticate` challenges. Default: the first audience. */
  realm?: string;
  /** Kafka connection for the revocation feed, plus the topic to read (default `auth.revocations.v1`). */
  kafka: KafkaConnectionOptions & { revocationsTopic?: string; groupIdPrefix?: string };
  /**
   * While the revocation index has not caught up with its topic: `closed` refuses every token with
   * 503 (a revoked token is never accepted), `open` verifies against the index as it is. Default `closed`.
   */
  revocationFailurePolicy?: RevocationFailurePolicy;
  /** JWKS cache tuning: min interval between refetches for unknown `kid`s, max age before a background refresh, fetch timeout. */
  jwks?: { cooldownMs?: number; maxAgeMs?: number; timeoutMs?: number };
  /** A class-validator DTO the token claims must satisfy (extra claim policy); failures are `invalid_token`. */
  claimsDto?: new () => object;
  /** Allow `http:` issuer/JWKS URLs on non-loopback hosts (e.g. inside a compose network). Default false. */
  allowInsecureHttp?: boolean;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  clock?: () => number;
}

/** The defaults applied by {@link resolveAuthOptions}, in one place. */
export const AUTH_DEFAULTS = {
  algorithms: ['ES256'],
  clockToleranceSeconds: 30,
  maxClockToleranceSeconds: 300,
  maxTokenBytes: 8192,
  revocationsTopic: 'auth.revocations.v1',
  revocationFailurePolicy: 'closed',
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 600_000,
  jwksTimeoutMs: 5_000,
  revocationPruneIntervalMs: 30_000,
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

/** {@link AuthModuleOptions} with every default applied and every value checked. */
export interface ResolvedAuthOptions {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxTokenBytes: number;
  readonly realm: string;
  readonly kafka: KafkaConnectionOptions;
  readonly revocationsTopic: string;
  readonly groupIdPrefix: string;
  readonly revocationFailurePolicy: RevocationFailurePolicy;
  readonly jwks: { readonly cooldownMs: number; readonly maxAgeMs: number; readonly timeoutMs: number };
  readonly claimsDto?: new () => object;
  readonly clock: () => number;
}

/**
 * Applies {@link AUTH_DEFAULTS} and validates the options. Throws a `TypeError` naming the offending
 * option, so a misconfigured service fails at boot rather than on its first request.
 *
 * @example
 * ```ts
 * const options = resolveAuthOptions({ issuer, audience: 'orders-service', kafka });
 * ```
 */
export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  const allowInsecureHttp = options.allowInsecureHttp ?? false;
  const issuer = requireUrl('issuer', options.issuer, allowInsecureHttp);
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audiences.length === 0 || audiences.some((audience) => typeof audience !== 'string' || audience === '')) {
    throw new TypeError('AuthModuleOptions.audience must be a non-empty string or list of non-empty strings');
  }
  const jwksUri = requireUrl(
    'jwksUri',
    options.jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    allowInsecureHttp,
  );
  const algorithms = [...(options.algorithms ?? AUTH_DEFAULTS.algorithms)];
  const unsupported = algorithms.filter((alg) => !(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg));
  if (algorithms.length === 0 || unsupported.length > 0) {
    throw new TypeError(
      `AuthModuleOptions.algorithms must list asymmetric algorithms among ${SUPPORTED_ALGORITHMS.join(', ')}` +
        (unsupported.length > 0 ? `; refused: ${unsupported.join(', ')}` : ''),
    );
  }
  const clockToleranceSeconds = requireInteger(
    'clockToleranceSeconds',
    options.clockToleranceSeconds ?? AUTH_DEFAULTS.clockToleranceSeconds,
    0,
    AUTH_DEFAULTS.maxClockToleranceSeconds,
  );
  const maxTokenBytes = requireInteger(
    'maxTokenBytes',
    options.maxTokenBytes ?? AUTH_DEFAULTS.maxTokenBytes,
    256,
    65_536,
  );
  const { revocationsTopic, groupIdPrefix, ...kafka } = options.kafka ?? ({} as AuthModuleOptions['kafka']);
  if (!Array.isArray(kafka.brokers) || kafka.brokers.length === 0) {
    throw new TypeError('AuthModuleOptions.kafka.brokers must list at least one broker');
  }
  if (typeof kafka.clientId !== 'string' || kafka.clientId === '') {
    throw new TypeError('AuthModuleOptions.kafka.clientId must be a non-empty string');
  }
  const revocationFailurePolicy = options.revocationFailurePolicy ?? AUTH_DEFAULTS.revocationFailurePolicy;
  if (revocationFailurePolicy !== 'closed' && revocationFailurePolicy !== 'open') {
    throw new TypeError("AuthModuleOptions.revocationFailurePolicy must be 'closed' or 'open'");
  }
  if (options.claimsDto !== undefined && typeof options.claimsDto !== 'function') {
    throw new TypeError('AuthModuleOptions.claimsDto must be a class');
  }
  return Object.freeze({
    issuer,
    audiences,
    jwksUri,
    algorithms,
    clockToleranceSeconds,
    maxTokenBytes,
    realm: options.realm ?? audiences[0],
    kafka,
    revocationsTopic: revocationsTopic ?? AUTH_DEFAULTS.revocationsTopic,
    groupIdPrefix: groupIdPrefix ?? `${kafka.clientId}.revocations`,
    revocationFailurePolicy,
    jwks: {
      cooldownMs: requireInteger(
        'jwks.cooldownMs',
        options.jwks?.cooldownMs ?? AUTH_DEFAULTS.jwksCooldownMs,
        0,
        3_600_000,
      ),
      maxAgeMs: requireInteger(
        'jwks.maxAgeMs',
        options.jwks?.maxAgeMs ?? AUTH_DEFAULTS.jwksMaxAgeMs,
        1_000,
        86_400_000,
      ),
      timeoutMs: requireInteger('jwks.timeoutMs', options.jwks?.timeoutMs ?? AUTH_DEFAULTS.jwksTimeoutMs, 100, 60_000),
    },
    claimsDto: options.claimsDto,
    clock: options.clock ?? Date.now,
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function requireUrl(name: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`AuthModuleOptions.${name} must be an absolute URL`);
  }
  const url = new URL(value);
  const secure = url.protocol === 'https:';
  const localHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (!secure && !localHttp && !(allowInsecureHttp && url.protocol === 'http:')) {
    throw new TypeError(
      `AuthModuleOptions.${name} must use https: (http: is accepted on loopback, or with allowInsecureHttp)`,
    );
  }
  return value;
}

function requireInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`AuthModuleOptions.${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}
