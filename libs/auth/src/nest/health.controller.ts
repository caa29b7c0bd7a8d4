import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ResourceServer, type ResourceServerStatus } from '../resource-server.js';
import { Public } from './public.decorator.js';
import { ResourceServerHealthIndicator } from './resource-server.health.js';

/**
 * Health of a resource server, public:
 * - `GET /health/live`: 200 while the process runs (terminus `{ status, info, error, details }`);
 * - `GET /health/ready`: 200 once the key set is loaded and both event feeds (revocations, keys) have caught up with
 *   their topics, and while the issuer's heartbeats keep the view within `maxStalenessSeconds`; 503 otherwise, under
 *   either failure policy, the part that is not ready under `error` with a `message` (a fail-open service keeps
 *   serving while stale, and says so here);
 * - `GET /health`: the same readiness with the resource server's status as body (`ResourceServerStatus`).
 *
 * Opt in by listing it in an app module's `controllers` (`AuthModule` provides what it needs).
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
  constructor(
    @Inject(ResourceServer) private readonly server: ResourceServer,
    @Inject(HealthCheckService) private readonly checks: HealthCheckService,
    @Inject(ResourceServerHealthIndicator) private readonly readiness: ResourceServerHealthIndicator,
  ) {}

  @Get()
  health(): ResourceServerStatus {
    const status = this.server.status();
    if (!status.ready) {
      throw new ServiceUnavailableException(status);
    }
    return status;
  }

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.checks.check([]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    return this.checks.check(this.readiness.indicators());
  }
}
