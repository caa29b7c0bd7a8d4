import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server playing the attacker's host: it serves fixed bodies (a JWKS, a certificate) at fixed
 * paths and records every request it gets, so a spec can point `jku`/`x5u` headers at it and prove that nothing
 * ever came to fetch them.
 */
export class RecordingServer {
  /** `METHOD path` of every request received, in order. */
  readonly requests: string[] = [];
  private server: Server | undefined;

  constructor(private readonly routes: Record<string, { type: string; body: string }>) {}

  /** Listens on a free loopback port; resolves with the base URL (no trailing slash). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests.push(`${request.method} ${request.url}`);
      const route = this.routes[request.url ?? ''];
      request.resume();
      if (route === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': route.type }).end(route.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
