import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TransportConfig } from '@app/auth';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ExpressAdapter } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { HttpTransport } from './http-transport.js';
import type { RequestLogging } from './request-logging.js';
import { hstsOnSecureRequests, SECURITY_HEADERS } from './security-headers.js';

/** Express's request: a Node request plus what Express derives from it (`secure` honours `trust proxy`). */
type ExpressRequest = IncomingMessage & { readonly secure: boolean };

/**
 * The {@link HttpTransport} of an Express app: HTTPS from the TLS pair, Express `trust proxy` set to the trusted
 * proxies only (then `req.secure` and `req.ip` believe their `X-Forwarded-*` headers, nobody else's), the request
 * logging (request id, one line per answer) first when given, helmet with {@link SECURITY_HEADERS} ahead of every
 * route, and HSTS on secure requests.
 *
 * @example
 * ```ts
 * const http = expressTransport(config.transport, requestLogging(logger));
 * const app = await NestFactory.create<NestExpressApplication>(AppModule, http.adapter, { ...http.options });
 * await http.configure(app);
 * ```
 */
export function expressTransport(
  transport: TransportConfig,
  logging?: RequestLogging,
): HttpTransport<NestExpressApplication> {
  return {
    adapter: new ExpressAdapter(),
    options: transport.tls === undefined ? {} : { httpsOptions: { cert: transport.tls.cert, key: transport.tls.key } },
    configure: async (app) => {
      if (transport.trustProxy !== undefined) {
        app.set('trust proxy', [...transport.trustProxy]);
      }
      if (logging !== undefined) app.use(logging);
      app.use(helmet(SECURITY_HEADERS));
      app.use((request: ExpressRequest, response: ServerResponse, next: () => void) =>
        hstsOnSecureRequests(request.secure, request, response, next),
      );
    },
  };
}
