/**
 * How the apps meet HTTP: HTTPS from their `TransportConfig` (parsed by `transportConfigFromEnv` in `@app/auth`),
 * a plain-HTTP port that only redirects (308), trusted TLS-terminating proxies, and the security headers on every
 * answer, the same on Express and Fastify.
 */
export { expressTransport } from './express.transport.js';
export { fastifyTransport } from './fastify.transport.js';
export type { HttpTransport } from './http-transport.js';
export { httpsLocation, startHttpsRedirect, type HttpsRedirectOptions } from './https-redirect.server.js';
export { listen, type ListenConfig, type ListeningUrls } from './listen.js';
export { hstsOnSecureRequests, SECURITY_HEADERS } from './security-headers.js';
