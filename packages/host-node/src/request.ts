import type { IncomingMessage } from 'node:http';
import { hostOf } from './host-header.js';

/** Headers Node gives as a list of raw pairs, copied without joining set-cookie and friends wrongly. */
const toHeaders = (raw: string[]) => {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    // HTTP/2 pseudo-headers are not headers of the request.
    if (!name.startsWith(':')) headers.append(name, raw[i + 1] as string);
  }
  return headers;
};

const hasBody = (req: IncomingMessage) =>
  req.method !== 'GET' &&
  req.method !== 'HEAD' &&
  (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);

/**
 * The request body as a web stream, paced by its reader (the socket is paused while
 * the stream's queue is full). Node's own Readable.toWeb is not used: once its stream
 * is cancelled (an upload refused after its first bytes) it still enqueues the data
 * that keeps arriving, and that throws "Controller is already closed" as an uncaught
 * exception, which would take the process down.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (done) return;
          done = true;
          controller.close();
        });
        const fail = (error: Error) => {
          if (done) return;
          done = true;
          controller.error(error);
        };
        req.once('error', fail);
        // A client gone before the end of its body: the body fails, as with Readable.toWeb.
        req.once('close', () => fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
        req.pause();
      },
      pull() {
        req.resume();
      },
      // The rest of the body is read and dropped: destroying the request would cut the
      // socket before the answer (a 400, a 413) is written. The listener closes the
      // connection once that answer is out, which ends the reading.
      cancel() {
        done = true;
        req.resume();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/**
 * A web Request for a node:http request; `signal` aborts when the client goes away.
 * Throws a VodkitError for a missing or bad Host. The path is checked by vodkit itself,
 * from the raw target the listener passes along.
 */
export function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const host = hostOf(req);
  const target = req.url ?? '/';
  // A target in origin-form is a path: resolved against a base, "//x/api/..." would make
  // "x" the host and route as "/api/...", so it is appended to the origin instead.
  const url = target.startsWith('/') ? new URL(`http://${host}${target}`) : new URL(target, `http://${host}`);
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers: toHeaders(req.rawHeaders), signal };
  if (hasBody(req)) {
    init.body = bodyOf(req);
    init.duplex = 'half';
  }
  return new Request(url, init);
}
