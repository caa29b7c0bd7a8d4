import type { AuthModuleOptions } from '@app/auth';
import { AUTH_SERVICE_AUDIENCE } from '../common/own-audience.js';
import type { AuthServiceConfig } from '../config/auth-service.config.js';
import { SIGNING_ALGORITHMS } from '../keys/signing-key.generator.js';
import type { SigningKeyStore } from '../keys/signing-key.store.js';

/** The scope every `/admin` route requires. */
export const ADMIN_SCOPE = 'auth:admin';

/**
 * Reading our own key store is an in-memory call, so a token signed by a key the set does not hold yet (promoted by
 * another instance, key event not read yet) may reload it almost at once instead of after the 30 s a remote JWKS
 * gets; one second still bounds the work a stream of random `kid`s can cause.
 */
const OWN_KEYS_COOLDOWN_MS = 1_000;

/**
 * The options of the `AuthModule` that guards `/admin`: the same verifier, key set and revocation index as every
 * resource server, over the keys this service publishes and the topics it writes.
 *
 * @example
 * AuthModule.forRootAsync({
 *   imports: [FoundationModule],
 *   inject: [authServiceConfig.KEY, SigningKeyStore],
 *   useFactory: adminAuthOptions,
 *   guardAllRoutes: false,
 * });
 */
export function adminAuthOptions(config: AuthServiceConfig, keys: SigningKeyStore): AuthModuleOptions {
  return {
    issuer: config.issuer,
    audience: AUTH_SERVICE_AUDIENCE,
    // Every algorithm a key of ours may have: a token signed by any key we publish must verify here.
    algorithms: SIGNING_ALGORITHMS,
    topics: { revocations: config.kafka.revocationsTopic, keys: config.kafka.keysTopic },
    kafka: {
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}.admin-guard`,
      ssl: config.kafka.ssl,
      sasl: config.kafka.sasl,
    },
    // Keys change at run time (rotation, revocation): read the store on every load, never a copy.
    loadKeys: async () => keys.jwks().keys,
    jwks: { cooldownMs: OWN_KEYS_COOLDOWN_MS },
    // Nothing is fetched (loadKeys reads the store): the issuer is only compared with `iss`. Outside production a
    // plain-http issuer off loopback (a compose network, a test host) is fine; in production it still fails at boot.
    allowInsecureHttp: config.nodeEnv !== 'production',
    // `open`: the admin API is how an operator revokes during an incident, Kafka outage included, and a revocation
    // needs only the database (outbox). `closed` would answer 503 to every admin call of an instance started while
    // Kafka is unreachable, until it comes back: the revoke button would fail exactly when it matters. What `open`
    // gives up is bounded: the index is complete once caught up and stays so through a later outage (the reader
    // keeps running and retrying), so only an instance that has not caught up since it started may accept an admin
    // token revoked before, until that token expires (AUTH_ACCESS_TOKEN_TTL_SECONDS, default 5 minutes).
    revocationFailurePolicy: 'open',
    refuseUntilCaughtUp: false,
    // Admin tokens over plain HTTP are refused wherever the service knows where TLS ends (its own or a proxy's).
    requireHttps: config.transport.requireHttps,
  };
}
