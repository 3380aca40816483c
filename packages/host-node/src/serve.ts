import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@vodkit/core';
import { writeClientError } from './client-error.js';
import { type FetchHandler, getRequestListener } from './listener.js';

export interface ServeOptions {
  port?: number;
  host?: string;
  logger?: Logger;
  /** How long a graceful stop waits for requests in flight before cutting them. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Stop gracefully on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
}

export interface RunningServer {
  server: Server;
  /** `http://host:port` as actually bound (port 0 picks a free one). */
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes vodkit. Safe to call twice. */
  close(): Promise<void>;
}

/** Serves vodkit on node:http until `close()` or a stop signal. */
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
  server.listen(options.port ?? 8000, options.host ?? '127.0.0.1');
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
      const timer = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      await stopped;
      clearTimeout(timer);
      await app.close();
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => {
      options.logger?.info('stopping', { signal });
      // A second signal while stopping means "now".
      process.once(signal, () => process.exit(130));
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    server.once('close', () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }

  return { server, url, close };
}
