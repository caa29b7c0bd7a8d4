import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ResourceServer, type ResourceServerStatus } from '../resource-server.js';
import { Public } from './public.decorator.js';

/**
 * `GET /health`: readiness of a resource server. 200 once the key set is loaded and both event feeds (revocations,
 * keys) have caught up with their topics, and while the issuer's heartbeats keep the view within
 * `maxStalenessSeconds`; 503 (with the same status body, `staleness.stale` telling why) otherwise, under either
 * failure policy: a fail-open service keeps serving while stale, and says so here. Public. Opt in by listing it in
 * an app module's `controllers`.
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
  constructor(private readonly server: ResourceServer) {}

  @Get()
  health(): ResourceServerStatus {
    const status = this.server.status();
    if (!status.ready) {
      throw new ServiceUnavailableException(status);
    }
    return status;
  }
}
