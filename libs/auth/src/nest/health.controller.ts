import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { AuthReadiness, type AuthReadinessStatus } from '../auth-readiness.js';
import { Public } from './public.decorator.js';

/**
 * `GET /health`: readiness of a resource server. 200 once the key set is loaded and the revocation
 * index has caught up with its topic, 503 (with the same status body) before. Public. Opt in by
 * listing it in an app module's `controllers`.
 *
 * @example
 * ```ts
 * @Module({ imports: [AuthModule.forRoot(options)], controllers: [HealthController] })
 * export class AppModule {}
 * ```
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: AuthReadiness) {}

  @Get()
  health(): AuthReadinessStatus {
    const status = this.readiness.status();
    if (!status.ready) {
      throw new ServiceUnavailableException(status);
    }
    return status;
  }
}
