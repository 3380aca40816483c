import { consoleLogger, defaults, type Logger, VodkitError } from '@vodkit/core';
import { errorFields } from './error-fields.js';
import { fileSends } from './file-sends.js';
import { type FetchHandler, handle, type RequestContext } from './handler.js';
import { ambiguousPath, resolvedAway, segmentRoutes, targetOf } from './raw-target.js';

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

/** A server `serve` started: its `Bun.Server`, its URL, and its graceful stop. */
export interface RunningServer {
  server: Bun.Server<undefined>;
  /** `http://host:port` as actually bound (port 0 picks a free one). */
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes vodkit. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves vodkit on Bun.serve until `close()`. Signals are the caller's: `serve` installs no
 * handler and never exits the process (the `vodkit-bun` command stops on SIGTERM and SIGINT).
 */
export async function serve(
  app: FetchHandler & { close(): Promise<void> },
  options: ServeOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? consoleLogger;
  const sends = fileSends(() => server.pendingRequests);

  /** vodkit never rejects; another FetchHandler may. Nobody reads the answer of a client gone. */
  const failed = (request: Request, error: unknown) => {
    if (request.signal.aborted) return new VodkitError('CLIENT_CLOSED_REQUEST').toResponse();
    logger.error('response failed', { method: request.method, url: request.url, ...errorFields(error) });
    return new VodkitError('INTERNAL').toResponse();
  };
  const answer = (request: Request, context: RequestContext) =>
    handle(app, request, sends, context).catch((error: unknown) => failed(request, error));
  // Bun matches routes on the raw target: these see its segments before normalisation.
  const routes: Record<string, (request: Bun.BunRequest, server: Bun.Server<undefined>) => Promise<Response>> = {};
  for (const pattern of segmentRoutes) {
    routes[pattern] = (request, server) => answer(request, { server, target: targetOf(request.params, request.url) });
  }

  const server: Bun.Server<undefined> = Bun.serve({
    port: options.port ?? defaults.port,
    hostname: options.host ?? defaults.host,
    // vodkit streams bodies and answers 413 at its own limits (2 GiB uploads by default);
    // Bun's default of 128 MiB would cut uploads off first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Seconds a connection may sit with no bytes moving (Bun's maximum): a slow upload or a
    // paused video player is not cut off after Bun's default 10 s. File sends get the stream
    // idle timeout instead (handler.ts).
    idleTimeout: 255,
    // Bun's development mode answers a host fault with its error page, stack included.
    development: false,
    // Out of development mode Bun 1.4 sets SO_REUSEPORT unless told not to: a second
    // instance on a port in use would share it instead of failing to start.
    reusePort: false,
    routes,
    // The targets no segment route matched: "/", empty segments, very long paths.
    fetch: (request, server) => (resolvedAway(request.url) ? ambiguousPath() : answer(request, { server })),
    // A file send that fails before its first byte (the file gone since vodkit looked).
    error(error) {
      logger.error('response failed', errorFields(error));
      return new VodkitError('INTERNAL').toResponse();
    },
  });
  const host = server.hostname ?? options.host ?? defaults.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const timer = setTimeout(() => server.stop(true), options.shutdownTimeoutMs ?? defaults.shutdownTimeoutMs);
      timer.unref();
      await server.stop();
      clearTimeout(timer);
      await app.close();
    })();
    return closing;
  };
  return { server, url, close };
}
