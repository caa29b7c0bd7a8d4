import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { TransportConfig } from '@app/auth';
import { startHttpsRedirect } from './https-redirect.server.js';

/** Where a service listens, and how: its config's `host`, `port` and `transport`. */
export interface ListenConfig {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly transport: TransportConfig;
}

/** Where a started service answers. */
export interface ListeningUrls {
  /** `https://…` with TLS, else `http://…`, with the port actually bound. */
  readonly url: string;
  /** The plain-HTTP redirect port's base URL, when there is one. */
  readonly redirectUrl?: string;
}

/**
 * Starts the app on `host:port` (HTTPS when the transport has TLS), then the redirect port when configured; the
 * redirect server closes with the app. If the redirect port cannot be bound the app is closed and the error
 * thrown: a service never runs with half its configuration.
 *
 * @example
 * ```ts
 * const { url } = await listen(app, config); // 'https://127.0.0.1:3001'
 * ```
 */
export async function listen(app: INestApplication, config: ListenConfig): Promise<ListeningUrls> {
  await app.listen(config.port, config.host);
  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  const url = `${config.transport.tls === undefined ? 'http' : 'https'}://${urlHost(config.host)}:${port}`;
  const redirectPort = config.transport.httpRedirectPort;
  if (redirectPort === undefined) return { url };
  let redirect: Server;
  try {
    redirect = await startHttpsRedirect({ host: config.host, port: redirectPort, httpsPort: port });
  } catch (error) {
    await app.close();
    throw error;
  }
  server.once('close', () => redirect.close());
  return { url, redirectUrl: `http://${urlHost(config.host)}:${redirectPort}` };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
