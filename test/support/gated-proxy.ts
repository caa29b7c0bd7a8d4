import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP front for one upstream URL that answers 503 until `open()` is called: lets a test hold a
 * service's key source away and watch what the service does meanwhile, and count how often it asks.
 */
export class GatedProxy {
  private server: Server | undefined;
  private isOpen = false;
  private requestCount = 0;

  /** Requests received so far, answered or not. */
  get requests(): number {
    return this.requestCount;
  }

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requestCount += 1;
      if (!this.isOpen) {
        response.writeHead(503).end();
        return;
      }
      fetch(this.upstream)
        .then(async (upstream) => {
          response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
        })
        .catch(() => response.writeHead(502).end());
      request.resume();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  open(): void {
    this.isOpen = true;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
