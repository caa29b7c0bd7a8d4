import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';

/**
 * How one app meets HTTP, from its `TransportConfig`: the adapter and application options to create the app with
 * (HTTPS needs them at creation), and what to apply to the app before it listens (trusted proxies, security
 * headers). `main.ts` and the tests build the app from the same object, then call `listen`.
 *
 * @example
 * ```ts
 * const http = expressTransport(config.transport);
 * const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, { ...http.options });
 * await http.configure(app);
 * await listen(app, config);
 * ```
 */
export interface HttpTransport<App extends INestApplication = INestApplication> {
  readonly adapter: AbstractHttpAdapter;
  readonly options: Pick<NestApplicationOptions, 'httpsOptions'>;
  configure(app: App): Promise<void>;
}
