import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ConnectionInfo, consoleLogger, isVodkitError, type Logger, VodkitError } from '@vodkit/core';
import { isAnsweredElsewhere, trackResponse } from './in-flight.js';
import { toRequest } from './request.js';
import { writeResponse } from './response.js';

/**
 * Anything with vodkit's host contract: `fetch(request, info)` answering a `Response`;
 * `info` carries the peer's address and the request-target as it arrived.
 */
export interface FetchHandler {
  fetch(request: Request, info?: ConnectionInfo): Promise<Response>;
}

export interface ListenerOptions {
  logger?: Logger;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * A node:http request listener that serves vodkit: pass it to
 * `http.createServer`, or call it from your own listener for vodkit's paths.
 */
export function getRequestListener(app: FetchHandler, options: ListenerOptions = {}): RequestListener {
  const logger = options.logger ?? consoleLogger;
  return async (req, res) => {
    trackResponse(req.socket, res);
    const controller = new AbortController();
    // 'close' before the response finished means the client went away: cancel the work.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    // Nothing is written for a client that has gone, nor after writeClientError answered the request.
    const silenced = () => controller.signal.aborted || isAnsweredElsewhere(res);

    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch (error) {
      if (silenced()) return;
      const refusal = isVodkitError(error)
        ? error
        : new VodkitError('VALIDATION', { message: 'The request line or headers are not valid.' });
      return writeResponse(refusal.toResponse(), res, false);
    }

    try {
      const response = await app.fetch(request, { remoteAddress: req.socket.remoteAddress, target: req.url });
      if (silenced()) {
        await response.body?.cancel().catch(() => {});
        return;
      }
      await writeResponse(response, res, req.complete || req.readableEnded);
    } catch (error) {
      if (silenced()) return;
      logger.error('response failed', {
        method: req.method,
        url: req.url,
        error: error instanceof Error ? error.stack : String(error),
      });
      // After the headers are out the only honest signal left is a cut connection.
      if (res.headersSent) res.destroy();
      else await writeResponse(new VodkitError('INTERNAL').toResponse(), res, false);
    }
  };
}
