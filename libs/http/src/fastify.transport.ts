import type { TransportConfig } from '@app/auth';
import fastifyHelmet from '@fastify/helmet';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HttpTransport } from './http-transport.js';
import type { RequestLogging } from './request-logging.js';
import { hstsOnSecureRequests, SECURITY_HEADERS } from './security-headers.js';

/**
 * The {@link HttpTransport} of a Fastify app: a `FastifyAdapter` created with the TLS pair (Fastify takes HTTPS and
 * `trustProxy` at construction) and `trustProxy` set to the trusted proxies only (then `request.protocol` and
 * `request.ip` believe their `X-Forwarded-*` headers, nobody else's); the request logging (request id, one line per
 * answer) in the first `onRequest` hook when given, `@fastify/helmet` with {@link SECURITY_HEADERS} on every route,
 * and HSTS on secure requests.
 *
 * @example
 * ```ts
 * const http = fastifyTransport(config.transport, requestLogging(logger));
 * const app = await NestFactory.create<NestFastifyApplication>(AppModule, http.adapter, { ...http.options });
 * await http.configure(app);
 * ```
 */
export function fastifyTransport(
  transport: TransportConfig,
  logging?: RequestLogging,
): HttpTransport<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    ...(transport.tls === undefined ? {} : { https: { cert: transport.tls.cert, key: transport.tls.key } }),
    ...(transport.trustProxy === undefined ? {} : { trustProxy: [...transport.trustProxy] }),
  });
  return {
    adapter,
    options: {},
    configure: async (app) => {
      if (logging !== undefined) {
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRequest', (request, reply, done) => logging(request.raw, reply.raw, done));
      }
      await app.register(fastifyHelmet, SECURITY_HEADERS);
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onRequest', (request, reply, done) =>
          hstsOnSecureRequests(request.protocol === 'https', request.raw, reply.raw, done),
        );
    },
  };
}
