import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { describeError } from '@app/events';
import { SigningKeyStore } from '../keys/signing-key.store.js';
import { OutboxRelay } from '../outbox/outbox.relay.js';
import { Database } from '../storage/database.js';

/**
 * Health of the auth service:
 * - `GET /health/live`: 200 while the process runs (terminus `{ status, info, error, details }`);
 * - `GET /health/ready`: 200 when the database answers, a signing key is loaded and the outbox relay can publish
 *   (topics checked; the instance holding the relay lock has a connected producer, a standby needs none); 503
 *   otherwise, the part that is not ready under `error` with a `message`;
 * - `GET /health`: 200 `{ status: 'ok', database }` when the database answers, 503 otherwise.
 *
 * @example
 * curl -f http://127.0.0.1:3000/health/ready
 */
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(SigningKeyStore) private readonly keys: SigningKeyStore,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(HealthCheckService) private readonly checks: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  async health(): Promise<{ status: 'ok'; database: string }> {
    if (!(await this.databaseAnswers())) {
      throw new ServiceUnavailableException({ status: 'unavailable', database: this.db.kind });
    }
    return { status: 'ok', database: this.db.kind };
  }

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.checks.check([]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.checks.check([() => this.database(), () => this.signingKey(), () => this.outboxRelay()]);
  }

  private async database(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('database');
    const data = { kind: this.db.kind };
    return (await this.databaseAnswers()) ? check.up(data) : check.down({ ...data, message: 'unreachable' });
  }

  private signingKey(): HealthIndicatorResult {
    const check = this.indicators.check('signingKey');
    const kid = this.keys.currentKid;
    return kid === undefined ? check.down({ message: 'no current signing key loaded' }) : check.up({ kid });
  }

  private outboxRelay(): HealthIndicatorResult {
    const check = this.indicators.check('outboxRelay');
    const status = this.relay.status();
    const down = !status.enabled
      ? 'disabled (AUTH_OUTBOX_RELAY_ENABLED=false): events stay in the outbox'
      : !status.topicsReady
        ? 'Kafka topics not checked yet (broker unreachable or misconfigured)'
        : status.active && !status.connected
          ? 'holds the relay lock but has no connected producer (broker unreachable)'
          : undefined;
    return down === undefined ? check.up(status) : check.down({ ...status, message: down });
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch (error) {
      this.logger.error({ msg: 'health check: database unreachable', error: describeError(error) });
      return false;
    }
  }
}
