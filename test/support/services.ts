import { randomUUID } from 'node:crypto';
import type { INestApplication, LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { ResourceServerConfig } from '@app/auth';
import { expressTransport, fastifyTransport, listen, type HttpTransport, type RequestLogging } from '@app/http';
import { AppModule as AuthServiceModule } from '../../apps/auth-service/src/app.module.js';
import { authServiceConfig, type AuthServiceConfig } from '../../apps/auth-service/src/config/auth-service.config.js';
import { configureApp } from '../../apps/auth-service/src/configure-app.js';
import { AppModule as BillingModule } from '../../apps/billing-service/src/app.module.js';
import { billingConfig } from '../../apps/billing-service/src/config/billing.config.js';
import { AppModule as OrdersModule } from '../../apps/orders-service/src/app.module.js';
import { ordersConfig } from '../../apps/orders-service/src/config/orders.config.js';
import { freePort } from './free-port.js';
import { call } from './https-client.js';
import { waitFor } from './wait-for.js';
import { withEnv } from './with-env.js';

/** A service running in this test process on a loopback port. */
export interface RunningService {
  readonly app: INestApplication;
  /** `https://…` when the service was given TLS. */
  readonly url: string;
  /** Its plain-HTTP redirect port, when configured. */
  readonly redirectUrl?: string;
  close(): Promise<void>;
}

/** Where one test's stack meets Kafka: the broker and a topic of its own. */
export interface KafkaSetup {
  readonly brokers: string;
  readonly revocationsTopic: string;
  readonly keysTopic: string;
  readonly revocationSnapshotsTopic: string;
}

/** Topic names unique to this run, so runs against a shared broker never see each other's events. */
export function uniqueKafkaSetup(brokers: string): KafkaSetup {
  const suffix = randomUUID().slice(0, 8);
  return {
    brokers,
    revocationsTopic: `auth.revocations.v1.e2e-${suffix}`,
    keysTopic: `auth.keys.v1.e2e-${suffix}`,
    revocationSnapshotsTopic: `auth.revocation-snapshots.v1.e2e-${suffix}`,
  };
}

interface AppSetup<App extends INestApplication> {
  readonly module: unknown;
  readonly configKey: string | symbol;
  readonly config: { readonly transport: ResourceServerConfig['transport'] };
  /** The app's transport recipe (adapter, HTTPS, proxies, headers), as its main.ts builds it. */
  readonly http: HttpTransport<App>;
  /** What the app's main.ts does to the app before listening, beyond the transport. */
  readonly configure?: (app: App) => void;
  readonly bodyParser?: boolean;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Receives every log line, from compilation on; default: errors and warnings to the console. */
  readonly logger?: LoggerService;
}

async function start<App extends INestApplication>({
  module,
  configKey,
  config,
  http,
  configure,
  bodyParser,
  port = 0,
  logger,
}: AppSetup<App>): Promise<RunningService> {
  const builder = Test.createTestingModule({ imports: [module as never] })
    .overrideProvider(configKey)
    .useValue(config);
  // Providers log while the module compiles (keys loaded, topics checked): those lines belong to the run too.
  if (logger !== undefined) builder.setLogger(logger);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<App>(http.adapter, {
    ...http.options,
    logger: logger ?? ['error', 'warn'],
    bodyParser,
  });
  await http.configure(app);
  configure?.(app);
  try {
    const { url, redirectUrl } = await listen(app, { host: '127.0.0.1', port, transport: config.transport });
    return { app, url, redirectUrl, close: () => app.close() };
  } catch (error) {
    await app.close(); // a service refusing to start leaves no connection, pool or timer behind
    throw error;
  }
}

/**
 * Specs poll the OAuth endpoints (bounded polls every few ms, bursts of hundreds of tokens): the per-client limits,
 * tested on their own in rate-limits.e2e-spec.ts, would refuse them. The password-grant backoff keeps its defaults.
 */
export const UNLIMITED_CLIENT_RATES = {
  AUTH_RATE_LIMIT_TOKEN_REQUESTS: '1000000',
  AUTH_RATE_LIMIT_REVOKE_REQUESTS: '1000000',
  AUTH_RATE_LIMIT_INTROSPECT_REQUESTS: '1000000',
} as const;

/**
 * Starts the auth service against the real broker and database: `DATABASE_URL` when set (in a schema
 * of its own unless `env` names one), else embedded Postgres.
 */
export async function startAuthService(
  kafka: KafkaSetup,
  env: Record<string, string | undefined> = {},
  { logger, requestLogging }: { logger?: LoggerService; requestLogging?: RequestLogging } = {},
): Promise<RunningService & { config: AuthServiceConfig }> {
  const port = await freePort();
  const config = withEnv(
    {
      NODE_ENV: 'test',
      AUTH_PORT: String(port),
      AUTH_ISSUER: `http://127.0.0.1:${port}`,
      AUTH_DATABASE_SCHEMA: `e2e_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
      KAFKA_BROKERS: kafka.brokers,
      AUTH_REVOCATIONS_TOPIC: kafka.revocationsTopic,
      AUTH_KEYS_TOPIC: kafka.keysTopic,
      AUTH_REVOCATION_SNAPSHOTS_TOPIC: kafka.revocationSnapshotsTopic,
      ...UNLIMITED_CLIENT_RATES,
      ...env,
    },
    () => authServiceConfig(),
  );
  const service = await start<NestExpressApplication>({
    module: AuthServiceModule,
    configKey: authServiceConfig.KEY,
    config,
    http: expressTransport(config.transport, requestLogging),
    bodyParser: false,
    port,
    configure: configureApp,
    logger,
  });
  return { ...service, config };
}

/** Resource-server settings a test may change (a gated JWKS URI, another broker, TLS, proxy or Kafka variables, the loggers). */
export interface ResourceServerSetup {
  readonly issuer: string;
  readonly kafka: KafkaSetup;
  readonly jwksUri?: string;
  /** More variables for the config file, e.g. `<PREFIX>_TLS_CERT_FILE`, `KAFKA_SASL_USERNAME`. */
  readonly env?: Record<string, string | undefined>;
  /**
   * The CA of an `https:` issuer. `NODE_EXTRA_CA_CERTS` (what `npm start -- --tls` gives each service process) is
   * read when a process starts, before a test creates its CA, so in-process services load the JWKS through a
   * request that trusts this CA instead of the default `fetch`.
   */
  readonly issuerCa?: Buffer;
  readonly logger?: LoggerService;
  /** The request logging main.ts installs (request id, one line per answer); default none. */
  readonly requestLogging?: RequestLogging;
}

function resourceServerConfig(prefix: string, setup: ResourceServerSetup, load: () => ResourceServerConfig) {
  const config = withEnv(
    {
      // Unset would mean production (https only, TLS or trusted proxies): the tests run as `npm test` does.
      NODE_ENV: 'test',
      KAFKA_BROKERS: setup.kafka.brokers,
      [`${prefix}_ISSUER`]: setup.issuer,
      [`${prefix}_JWKS_URI`]: setup.jwksUri,
      [`${prefix}_REVOCATIONS_TOPIC`]: setup.kafka.revocationsTopic,
      [`${prefix}_KEYS_TOPIC`]: setup.kafka.keysTopic,
      [`${prefix}_REVOCATION_SNAPSHOTS_TOPIC`]: setup.kafka.revocationSnapshotsTopic,
      ...setup.env,
    },
    load,
  );
  const ca = setup.issuerCa;
  if (ca === undefined) return config;
  const jwksUri = config.auth.jwksUri ?? `${config.auth.issuer}/.well-known/jwks.json`;
  const loadKeys = async (): Promise<unknown[]> => {
    const answer = await call(jwksUri, { ca });
    if (answer.status !== 200) throw new Error(`JWKS ${jwksUri}: HTTP ${answer.status}`);
    return answer.json().keys as unknown[];
  };
  return { ...config, auth: { ...config.auth, loadKeys } };
}

/** Starts orders-service (Fastify) as `main.ts` would, configured by its own config file. */
export function startOrdersService(setup: ResourceServerSetup): Promise<RunningService> {
  const config = resourceServerConfig('ORDERS', setup, () => ordersConfig());
  return start({
    module: OrdersModule,
    configKey: ordersConfig.KEY,
    config,
    http: fastifyTransport(config.transport, setup.requestLogging),
    logger: setup.logger,
  });
}

/** Starts billing-service (Express) as `main.ts` would, configured by its own config file. */
export function startBillingService(setup: ResourceServerSetup): Promise<RunningService> {
  const config = resourceServerConfig('BILLING', setup, () => billingConfig());
  return start({
    module: BillingModule,
    configKey: billingConfig.KEY,
    config,
    http: expressTransport(config.transport, setup.requestLogging),
    logger: setup.logger,
  });
}

/** The three services on one topic of their own, both resource servers ready (caught up, keys loaded). */
export interface Stack {
  readonly auth: RunningService & { config: AuthServiceConfig };
  readonly orders: RunningService;
  readonly billing: RunningService;
  close(): Promise<void>;
}

/** What a test may change in a {@link startStack}. */
export interface StackOptions {
  /** Variables of the auth service's config (e.g. its key-encryption key). */
  readonly authEnv?: Record<string, string | undefined>;
  /** `<APP>_ALGORITHMS` of both resource servers (comma list). */
  readonly algorithms?: string;
  /** One logger for the three services (Nest's logger is process-wide: they would share it anyway). */
  readonly logger?: LoggerService;
}

/** Starts auth-service, orders-service and billing-service against `brokers` and waits until both are ready. */
export async function startStack(brokers: string, { authEnv, algorithms, logger }: StackOptions = {}): Promise<Stack> {
  const kafka = uniqueKafkaSetup(brokers);
  const auth = await startAuthService(kafka, authEnv, { logger });
  const { issuer } = auth.config;
  // Unset unless given, so the services keep their own default.
  const env = (prefix: string) => (algorithms === undefined ? {} : { [`${prefix}_ALGORITHMS`]: algorithms });
  const orders = await startOrdersService({ issuer, kafka, env: env('ORDERS'), logger });
  const billing = await startBillingService({ issuer, kafka, env: env('BILLING'), logger });
  for (const service of [orders, billing]) {
    await waitFor(`${service.url} readiness`, async () =>
      (await fetch(`${service.url}/health`)).ok ? true : undefined,
    );
  }
  return {
    auth,
    orders,
    billing,
    close: async () => {
      await Promise.all([orders.close(), billing.close()]);
      await auth.close();
    },
  };
}
