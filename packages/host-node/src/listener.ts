import type { IncomingMessage, ServerResponse } from 'node:http';
import { consoleLogger, isVodkitError, type Logger, VodkitError } from '@vodkit/core';
import { toRequest } from './request.js';
import { writeResponse } from './response.js';

/** Anything with vodkit's host contract: `fetch(request)` answering a `Response`. */
export interface FetchHandler {
  fetch(request: Request): Promise<Response>;
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
    const controller = new AbortController();
    // 'close' before the response finished means the client went away: cancel the work.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });

    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch (error) {
      const refusal = isVodkitError(error)
        ? error
        : new VodkitError('VALIDATION', { message: 'The request line or headers are not valid.' });
      return writeResponse(refusal.toResponse(), res, false);
    }

    try {
      const response = await app.fetch(request);
      if (controller.signal.aborted) {
        await response.body?.cancel().catch(() => {});
        return;
      }
      await writeResponse(response, res, req.complete || req.readableEnded);
    } catch (error) {
      if (controller.signal.aborted) return;
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
