/**
 * How the apps meet HTTP: HTTPS from their `TransportConfig` (parsed by `transportConfigFromEnv` in `@app/auth`),
 * a plain-HTTP port that only redirects (308), trusted TLS-terminating proxies, and the security headers on every
 * answer, the same on Express and Fastify; and how they log (pino: JSON lines in production, readable lines in
 * development, credentials redacted, a request id on every line of a request).
 */
export { createAppLogger, type AppLoggerOptions } from './app-logger.js';
export { expressTransport } from './express.transport.js';
export { fastifyTransport } from './fastify.transport.js';
export type { HttpTransport } from './http-transport.js';
export { httpsLocation, startHttpsRedirect, type HttpsRedirectOptions } from './https-redirect.server.js';
export { listen, type ListenConfig, type ListeningUrls } from './listen.js';
export { REDACTED_LOG_PATHS } from './log-redaction.js';
export { PinoNestLogger } from './pino-nest.logger.js';
export { currentRequestId } from './request-context.js';
export { requestLogging, type RequestLogging } from './request-logging.js';
export { hstsOnSecureRequests, SECURITY_HEADERS } from './security-headers.js';
