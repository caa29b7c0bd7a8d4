import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Public } from './public.decorator.js';

/**
 * `GET /metrics`: the app's metrics registry in the Prometheus text format (default process metrics, the
 * resource-server metrics, and whatever the app registers in the same `Registry`). Public, no token, never cached.
 * `AuthModule` registers it unless `metrics: false`.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({ ...options, metrics: false }); // serve the Registry some other way
 * ```
 */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Registry) private readonly registry: Registry) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
