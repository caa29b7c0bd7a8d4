import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on loopback in front of one upstream port, which a test can cut like a network partition: `cut()`
 * stops forwarding in both directions while every connection stays open (bytes are swallowed, new connections are
 * accepted and never forwarded), so the client sees silence, not an error, exactly as behind a dropped link;
 * `restore()` closes what was held (as the peers' TCP timeouts would after a real partition) and forwards again.
 * `holdReplies()` cuts one direction only: requests still reach the upstream, which handles them, and its answers
 * are swallowed (a broker appends a batch whose acknowledgement the producer never sees).
 *
 * A Kafka client only keeps using the proxy if the broker advertises it: give the broker a listener whose
 * advertised address is the proxy's (see test/staleness.e2e-spec.ts), and point the one client to cut off at it.
 *
 * @example
 * ```ts
 * const proxy = new TcpProxy(gatedListenerPort);
 * const port = await proxy.listen();
 * proxy.cut();
 * proxy.restore();
 * await proxy.close();
 * ```
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  /** Each upstream connection and the client it answers. */
  private readonly replies = new Map<Socket, Socket>();
  private isCut = false;
  private isHoldingReplies = false;

  constructor(
    private readonly upstreamPort: number,
    private readonly upstreamHost = '127.0.0.1',
  ) {}

  /** Starts listening on a free loopback port and returns it. */
  async listen(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.isCut = true;
    for (const socket of this.open) {
      socket.unpipe();
      socket.removeAllListeners('data');
      socket.on('data', swallow).resume();
    }
  }

  /** Keeps forwarding requests (on new connections too) and swallows every answer, until `restore()`. */
  holdReplies(): void {
    this.isHoldingReplies = true;
    for (const [upstream, client] of this.replies) swallowFrom(upstream, client);
  }

  restore(): void {
    this.isCut = false;
    this.isHoldingReplies = false;
    this.destroyAll();
  }

  async close(): Promise<void> {
    this.destroyAll();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.isCut) {
      client.on('data', swallow);
      return;
    }
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    this.track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    this.replies.set(upstream, client);
    if (this.isHoldingReplies) swallowFrom(upstream, client);
    else upstream.pipe(client);
    // One side gone: the other goes too, as a direct connection would.
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      this.replies.delete(upstream);
      client.destroy();
    });
  }

  private track(socket: Socket): void {
    this.open.add(socket);
    socket.on('close', () => this.open.delete(socket));
    // Resets are expected here (a peer destroyed on cut or restore); an unhandled 'error' would crash the run.
    socket.on('error', () => socket.destroy());
  }

  private destroyAll(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }
}

const swallow = (): void => undefined;

function swallowFrom(upstream: Socket, client: Socket): void {
  upstream.unpipe(client);
  upstream.on('data', swallow).resume();
}
