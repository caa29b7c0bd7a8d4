import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { describeError } from '@app/events';
import { Database } from '../storage/database.js';

/**
 * `GET /health`: 200 `{ status: 'ok' }` when the database answers, 503 otherwise.
 *
 * @example
 * curl -f http://127.0.0.1:3000/health
 */
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(@Inject(Database) private readonly db: Database) {}

  @Get()
  async health(): Promise<{ status: 'ok'; database: string }> {
    try {
      await this.db.query('SELECT 1');
    } catch (error) {
      this.logger.error({ msg: 'health check: database unreachable', error: describeError(error) });
      throw new ServiceUnavailableException({ status: 'unavailable', database: this.db.kind });
    }
    return { status: 'ok', database: this.db.kind };
  }
}
