import { consoleLogger, type Logger, VodkitError } from '@vodkit/core';
import { fileSends } from './file-sends.js';
import { type FetchHandler, handle } from './handler.js';

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
  server: Bun.Server<undefined>;
  /** `http://host:port` as actually bound (port 0 picks a free one). */
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes vodkit. Safe to call twice. */
  close(): Promise<void>;
}

/** Serves vodkit on Bun.serve until `close()` or a stop signal. */
export async function serve(
  app: FetchHandler & { close(): Promise<void> },
  options: ServeOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? consoleLogger;
  const sends = fileSends(() => server.pendingRequests);
  const server: Bun.Server<undefined> = Bun.serve({
    port: options.port ?? 8000,
    hostname: options.host ?? '127.0.0.1',
    // vodkit streams bodies and answers 413 at its own limits (2 GiB uploads by default);
    // Bun's default of 128 MiB would cut uploads off first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Seconds a connection may sit with no bytes moving (Bun's maximum): a slow upload or a
    // paused video player is not cut off after Bun's default 10 s.
    idleTimeout: 255,
    fetch: (request) => handle(app, request, sends),
    // vodkit answers every error itself; this is for a fault in the host.
    error(error) {
      logger.error('response failed', { error: error.stack ?? String(error) });
      return new VodkitError('INTERNAL').toResponse();
    },
  });
  const host = server.hostname ?? options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;

  let closing: Promise<void> | undefined;
  let forgetSignals = () => {};
  const close = () => {
    closing ??= (async () => {
      forgetSignals();
      const timer = setTimeout(() => server.stop(true), options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      await server.stop();
      clearTimeout(timer);
      await app.close();
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info('stopping', { signal });
      // A second signal while stopping means "now".
      process.once(signal, () => process.exit(130));
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    forgetSignals = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
  return { server, url, close };
}
