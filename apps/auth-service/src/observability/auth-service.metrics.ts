import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PROPAGATION_BUCKETS_SECONDS } from '@app/auth';
import { describeError, PUBLISHED_KEY_STATES } from '@app/events';
import { Clock } from '../common/clock.js';
import { readSigningKeys } from '../keys/signing-key.repository.js';
import { countUnsentOutbox } from '../outbox/outbox.repository.js';
import { Database } from '../storage/database.js';
import { SUPPORTED_GRANT_TYPES } from '../tokens/token-exchange.service.js';
import { AuthServiceEvents } from './auth-service.events.js';

/** Every name this service adds to the library's, as DESIGN.md "Operability" lists them. */
export const AUTH_SERVICE_METRICS = {
  tokensIssued: 'auth_tokens_issued_total',
  tokenRequestsFailed: 'auth_token_requests_failed_total',
  outboxPending: 'auth_outbox_pending_records',
  outboxPublish: 'auth_outbox_publish_seconds',
  signingKeyAge: 'auth_signing_key_age_seconds',
} as const;

const TOKEN_ENDPOINT_PATH = '/oauth/token';

/**
 * The auth service's metrics, in the app's `Registry` (the one `AuthModule` provides and `/metrics` serves, next to
 * the default process metrics and the resource-server metrics of the `/admin` guard):
 * - `auth_tokens_issued_total{grant_type}` and `auth_token_requests_failed_total{error}` (RFC 6749 `error`), from
 *   the named events of the token endpoint and the OAuth error filter;
 * - `auth_outbox_publish_seconds`: outbox row created → broker ack, per record, from the relay's events;
 * - `auth_outbox_pending_records` and `auth_signing_key_age_seconds{kid,state}` (published keys: next, current,
 *   previous), read from the database at each scrape. A scrape while the database is unreachable answers `NaN`
 *   pending records and no key ages (and logs a warning) rather than failing the whole answer.
 *
 * @example
 * providers: [AuthServiceEvents, AuthServiceMetrics]
 */
@Injectable()
export class AuthServiceMetrics implements OnModuleInit {
  private readonly logger = new Logger(AuthServiceMetrics.name);

  constructor(
    @Inject(Registry) private readonly registry: Registry,
    @Inject(AuthServiceEvents) private readonly events: AuthServiceEvents,
    @Inject(Database) private readonly db: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.countTokenRequests();
    this.timeOutboxPublishing();
    this.readStoredState();
  }

  private countTokenRequests(): void {
    const registers = [this.registry];
    const issued = new Counter({
      name: AUTH_SERVICE_METRICS.tokensIssued,
      help: 'Access tokens issued by the token endpoint, per grant type',
      labelNames: ['grant_type'] as const,
      registers,
    });
    for (const grantType of SUPPORTED_GRANT_TYPES) issued.inc({ grant_type: grantType }, 0);
    this.events.on('token.issued', ({ grantType }) => issued.inc({ grant_type: grantType }));
    const failed = new Counter({
      name: AUTH_SERVICE_METRICS.tokenRequestsFailed,
      help: 'Token endpoint requests answered with an RFC 6749 error, per error code',
      labelNames: ['error'] as const,
      registers,
    });
    this.events.on('oauth.request.failed', ({ path, error }) => {
      if (path === TOKEN_ENDPOINT_PATH) failed.inc({ error });
    });
  }

  private timeOutboxPublishing(): void {
    const publish = new Histogram({
      name: AUTH_SERVICE_METRICS.outboxPublish,
      help: 'Seconds from an outbox row written (its transaction) to the broker acknowledging its record',
      buckets: PROPAGATION_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.events.on('outbox.published', ({ createdAt, ackedAt }) => {
      for (const created of createdAt) publish.observe(Math.max(0, (ackedAt - created) / 1000));
    });
  }

  private readStoredState(): void {
    const { db, clock } = this;
    const warn = (metric: string, error: unknown): void =>
      this.logger.warn({ msg: 'metric not read: database unavailable', metric, error: describeError(error) });
    new Gauge({
      name: AUTH_SERVICE_METRICS.outboxPending,
      help: 'Outbox rows not yet acknowledged by the broker',
      registers: [this.registry],
      async collect() {
        try {
          this.set(await countUnsentOutbox(db));
        } catch (error) {
          warn(AUTH_SERVICE_METRICS.outboxPending, error);
          this.set(Number.NaN);
        }
      },
    });
    new Gauge({
      name: AUTH_SERVICE_METRICS.signingKeyAge,
      help: 'Seconds since each published signing key (next, current, previous) was created',
      labelNames: ['kid', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const now = clock.now();
          for (const key of await readSigningKeys(db, PUBLISHED_KEY_STATES)) {
            this.set({ kid: key.kid, state: key.state }, Math.max(0, (now - key.createdAt) / 1000));
          }
        } catch (error) {
          warn(AUTH_SERVICE_METRICS.signingKeyAge, error);
        }
      },
    });
  }
}
