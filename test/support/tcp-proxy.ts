import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy a test steers, to put a real database out of reach without touching the
 * server other suites share:
 * - `cut()`: every connection is closed both ways and new ones are reset as they arrive
 *   (the server crashed or the host went away);
 * - `freeze()`: connections stay open, new ones are accepted, but no byte moves either way
 *   (the server stopped answering: SIGSTOP, a stuck disk, a partition);
 * - `restore()`: bytes move again, held ones first, in order, as a resumed server would read
 *   what its kernel had queued; new connections go through.
 */
export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Connections from clients open right now. */
  readonly open: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  cut(): void;
  freeze(): void;
  restore(): void;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

type Mode = 'open' | 'frozen' | 'cut';

/** One client connection and its own connection to the target, made once bytes may move. */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'open';
  const links = new Set<Link>();

  /** Cut: both sockets closed at once, whatever was in flight lost. */
  const drop = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };

  /** A side that ended or closed hands its end on; the link is forgotten once both are closed. */
  const settle = (link: Link) => {
    if (link.client.destroyed && (link.upstream?.destroyed ?? true)) links.delete(link);
  };

  /**
   * Bytes and the end of one direction. While frozen the source is paused, so what the
   * peer sends waits in the kernel's buffers, as it would for a stopped server.
   */
  const forward = (link: Link, from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (mode === 'open') from.resume();
        });
      }
    });
    // end(), not destroy(): bytes still queued for the other side are delivered first.
    from.on('end', () => to.end());
    from.on('close', () => {
      to.end();
      settle(link);
    });
    from.on('error', () => drop(link));
  };

  const start = (link: Link) => {
    const upstream = connect(target.port, target.host);
    link.upstream = upstream;
    forward(link, link.client, upstream);
    forward(link, upstream, link.client);
    link.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    if (mode === 'cut') {
      // Accepted only to be reset at once: to the client it looks like a server that is not there.
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: undefined };
    links.add(link);
    // Until it is started, a held connection has no other side to hand an end to.
    client.on('error', () => drop(link));
    // A connection that arrives frozen is held: its own connection to the target waits for restore().
    if (mode === 'open') start(link);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get open() {
      return links.size;
    },
    via(url) {
      const rewritten = new URL(url);
      rewritten.hostname = '127.0.0.1';
      rewritten.port = String(port);
      return rewritten.toString();
    },
    cut() {
      mode = 'cut';
      for (const link of [...links]) drop(link);
    },
    freeze() {
      if (mode === 'cut') return;
      mode = 'frozen';
      for (const link of links) {
        link.client.pause();
        link.upstream?.pause();
      }
    },
    restore() {
      mode = 'open';
      for (const link of links) {
        if (!link.upstream) start(link);
        else {
          link.client.resume();
          link.upstream.resume();
        }
      }
    },
    async close() {
      mode = 'cut';
      for (const link of [...links]) drop(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The proxy in front of the MySQL server of `serverUrl` (`mysql://root@127.0.0.1:3306/test`). */
export function proxyFor(serverUrl: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(serverUrl);
  return startTcpProxy({ host: hostname, port: Number(port || 3306) });
}
