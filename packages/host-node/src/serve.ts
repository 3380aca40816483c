import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaults, type Logger } from '@vodkit/core';
import { writeClientError } from './client-error.js';
import { type FetchHandler, getRequestListener } from './listener.js';

/** Options of `serve`; every one has a default. */
export interface ServeOptions {
  /** Default: `defaults.port`. */
  port?: number;
  /** Default: `defaults.host`. */
  host?: string;
  logger?: Logger;
  /** How long a graceful stop waits for requests in flight before cutting them. Default: `defaults.shutdownTimeoutMs`. */
  shutdownTimeoutMs?: number;
}

/** A server `serve` started: its `node:http` server, its URL, and its graceful stop. */
export interface RunningServer {
  server: Server;
  /** `http://host:port` as actually bound (port 0 picks a free one). */
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes vodkit. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves vodkit on node:http until `close()`. Signals are the caller's: `serve` installs no
 * handler and never exits the process (the `vodkit` command stops on SIGTERM and SIGINT).
 */
export async function serve(
  app: FetchHandler & { close(): Promise<void> },
  options: ServeOptions = {},
): Promise<RunningServer> {
  const server = createServer(
    // Node's default of 5 minutes for a whole request would cut off large uploads on slow
    // links; headers must still arrive within headersTimeout (60 s). A request without Host
    // reaches the listener, which refuses it in the one error shape instead of Node's bare 400.
    { requestTimeout: 60 * 60 * 1000, requireHostHeader: false },
    getRequestListener(app, options.logger ? { logger: options.logger } : {}),
  );
  server.listen(options.port ?? defaults.port, options.host ?? defaults.host);
  await once(server, 'listening');
  const { address, port, family } = server.address() as AddressInfo;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;

  let closing: Promise<void> | undefined;
  // Responses still to be written when a stop begins tell their clients to go,
  // so their keep-alive connections do not hold the stop open.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => writeClientError(error, socket));

  const close = () => {
    closing ??= (async () => {
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in flight would hold close() open.
      server.closeIdleConnections();
      const timer = setTimeout(
        () => server.closeAllConnections(),
        options.shutdownTimeoutMs ?? defaults.shutdownTimeoutMs,
      );
      timer.unref();
      await stopped;
      clearTimeout(timer);
      await app.close();
    })();
    return closing;
  };

  return { server, url, close };
}
