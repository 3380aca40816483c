import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Answer, type ConnectionInfo, consoleLogger, isVodkitError, type Logger, VodkitError } from '@vodkit/core';
import { isAnsweredElsewhere, trackResponse } from './in-flight.js';
import { type IncomingRequest, realRequest, toRequest } from './request.js';
import { writeAnswer } from './response.js';

/**
 * Anything with vodkit's host contract: `fetch(request, info)` answering a `Response`;
 * `info` carries the peer's address and the request-target as it arrived. A vodkit instance
 * also has `answer`, the same answers in a form written without building a Response.
 */
export interface FetchHandler {
  fetch(request: Request, info?: ConnectionInfo): Promise<Response>;
  answer?(request: Request, info?: ConnectionInfo): Promise<Answer>;
}

/** Options of `getRequestListener`. */
export interface ListenerOptions {
  logger?: Logger;
}

/** A `node:http` request listener; it resolves once the answer is written (it never rejects). */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** An answer nobody will read: what it holds is let go. */
const drop = (answer: Answer) => {
  if (answer instanceof Response) void answer.body?.cancel().catch(() => {});
  else if (answer.kind === 'file') answer.done();
};

/**
 * A node:http request listener that serves vodkit: pass it to
 * `http.createServer`, or call it from your own listener for vodkit's paths.
 */
export function getRequestListener(app: FetchHandler, options: ListenerOptions = {}): RequestListener {
  const logger = options.logger ?? consoleLogger;
  // vodkit takes the listener's lazily built Request; any other handler gets a real one.
  const respond: (request: IncomingRequest, info: ConnectionInfo) => Promise<Answer> = app.answer
    ? app.answer.bind(app)
    : (request, info) => app.fetch(realRequest(request), info);

  return async (req, res) => {
    trackResponse(req.socket, res);
    let request: IncomingRequest | undefined;
    let gone = false;
    // 'close' before the response finished means the client went away: cancel the work.
    res.once('close', () => {
      if (res.writableFinished) return;
      gone = true;
      request?.abort();
    });
    // Nothing is written for a client that has gone, nor after writeClientError answered the request.
    const silenced = () => gone || isAnsweredElsewhere(res);

    try {
      request = toRequest(req);
    } catch (error) {
      if (silenced()) return;
      const refusal = isVodkitError(error)
        ? error
        : new VodkitError('VALIDATION', { message: 'The request line or headers are not valid.' });
      return writeAnswer(refusal.toAnswer(), res, false);
    }

    try {
      const answer = await respond(request, { remoteAddress: req.socket.remoteAddress, target: req.url });
      if (silenced()) return drop(answer);
      await writeAnswer(answer, res, req.complete || req.readableEnded);
    } catch (error) {
      if (silenced()) return;
      logger.error('response failed', {
        method: req.method,
        url: req.url,
        error: error instanceof Error ? error.stack : String(error),
      });
      // After the headers are out the only honest signal left is a cut connection.
      if (res.headersSent) res.destroy();
      else await writeAnswer(new VodkitError('INTERNAL').toAnswer(), res, false);
    }
  };
}
