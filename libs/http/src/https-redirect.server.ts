import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { securityHeaders } from './security-headers.js';

/** Options of {@link startHttpsRedirect}. */
export interface HttpsRedirectOptions {
  /** Listen address, the service's own. */
  readonly host: string;
  /** The plain-HTTP port (`<APP>_HTTP_REDIRECT_PORT`). */
  readonly port: number;
  /** Where the service answers over HTTPS. */
  readonly httpsPort: number;
}

/**
 * A plain-HTTP server that only redirects: every request is answered `308 Permanent Redirect` (method and body are
 * kept, unlike 301/302) to the same host and path on the HTTPS port, with the security headers and without
 * `Strict-Transport-Security` (never sent over plain HTTP). It reads no body and serves nothing, so a token sent
 * here is never accepted. A request without a usable `Host`, or whose target is not a path, gets 400.
 * Resolves once listening.
 *
 * @example
 * ```ts
 * const redirect = await startHttpsRedirect({ host: '0.0.0.0', port: 80, httpsPort: 443 });
 * // GET http://api.example.com/orders?page=2 → 308 Location: https://api.example.com/orders?page=2
 * ```
 */
export async function startHttpsRedirect(options: HttpsRedirectOptions): Promise<Server> {
  const server = createServer((request, response) => {
    securityHeaders(request, response, () => redirect(request, response, options.httpsPort));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function redirect(request: IncomingMessage, response: ServerResponse, httpsPort: number): void {
  const location = httpsLocation(request.headers.host, request.url, httpsPort);
  response.setHeader('Cache-Control', 'no-store');
  if (location === undefined) {
    response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad Request\n');
    return;
  }
  response.writeHead(308, { Location: location, 'Content-Length': '0' }).end();
}

/**
 * `https://<host of the Host header>:<httpsPort><path and query>`, or `undefined` when the `Host` header is
 * missing or more than a host and port, or the target is not origin-form (`/…`). The host is taken from the
 * request as any reverse proxy's `https://$host$request_uri` does: the client only gets sent where it asked to go.
 */
export function httpsLocation(
  hostHeader: string | undefined,
  target: string | undefined,
  httpsPort: number,
): string | undefined {
  if (hostHeader === undefined || target === undefined || !target.startsWith('/')) return undefined;
  const authority = `http://${hostHeader}`;
  if (!URL.canParse(authority)) return undefined;
  const { hostname, username, password, pathname, search, hash } = new URL(authority);
  if (hostname === '' || username !== '' || password !== '' || pathname !== '/' || search !== '' || hash !== '') {
    return undefined;
  }
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return `https://${hostname}${port}${target}`;
}
