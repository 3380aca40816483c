import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

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

/** A web Request for a node:http request; `signal` aborts when the client goes away. */
export function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  // The path is all vodkit routes on; a bad Host header must not turn into a bad URL.
  const host = /^[A-Za-z0-9.\-:[\]]+$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers: toHeaders(req.rawHeaders), signal };
  if (hasBody(req)) {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(url, init);
}
