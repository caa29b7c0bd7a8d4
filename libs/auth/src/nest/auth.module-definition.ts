import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthModuleOptions } from './auth-module.options.js';
import { MetricsController } from './metrics.controller.js';

/** Extras of `AuthModule.forRoot/forRootAsync` that shape the module rather than the verifier. */
export interface AuthModuleExtras {
  /** Register the module globally so feature modules need not import it. Default true. */
  isGlobal: boolean;
  /** Apply `JwtAuthGuard` to every route of the app (opt out per route with `@Public()`). Default false. */
  guardAllRoutes: boolean;
  /**
   * Serve `GET /metrics` (Prometheus text, public) from the module's metrics `Registry`. Default true; with false
   * the registry is still provided (exported as prom-client's `Registry`) for the app to serve as it likes.
   */
  metrics: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<AuthModuleExtras>({ isGlobal: true, guardAllRoutes: false, metrics: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    controllers: [...(definition.controllers ?? []), ...(extras.metrics === false ? [] : [MetricsController])],
  }))
  .build();
