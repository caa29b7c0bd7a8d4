import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { strictTransportSecurity, type HelmetOptions } from 'helmet';

/**
 * The headers every answer of every service carries, as helmet options (helmet on Express and on a bare Node
 * server, `@fastify/helmet` on Fastify): helmet's defaults, made strict for a JSON API. Nothing here is ever
 * rendered by a browser, so the Content-Security-Policy allows nothing and no page may frame an answer; no
 * `Referer` leaves with a link followed from one; `X-Content-Type-Options: nosniff`; no `X-Powered-By`.
 * `Strict-Transport-Security` is not in this set: see {@link hstsOnSecureRequests}.
 *
 * @example
 * ```ts
 * expressApp.use(helmet(SECURITY_HEADERS));
 * await fastifyApp.register(fastifyHelmet, SECURITY_HEADERS);
 * ```
 */
export const SECURITY_HEADERS = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  strictTransportSecurity: false,
} as const satisfies HelmetOptions;

/** One year, subdomains included (helmet's default policy). */
const HSTS = strictTransportSecurity({ maxAge: 365 * 24 * 60 * 60, includeSubDomains: true });

/** The same headers for a bare Node server (the HTTPS redirect), which has no framework to register helmet with. */
export const securityHeaders = helmet(SECURITY_HEADERS);

/**
 * `Strict-Transport-Security` on answers to secure requests only: a user agent ignores it over plain HTTP and a
 * server must not send it there (RFC 6797 §7.2). Behind a trusted proxy, "secure" is what the proxy forwarded.
 * `secure` is the adapter's own reading of the request (Express `req.secure`, Fastify `request.protocol`).
 *
 * @example
 * ```ts
 * app.use((req, res, next) => hstsOnSecureRequests(req.secure, req, res, next));
 * ```
 */
export function hstsOnSecureRequests(
  secure: boolean,
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
): void {
  if (secure) {
    HSTS(request, response, next);
  } else {
    next();
  }
}
