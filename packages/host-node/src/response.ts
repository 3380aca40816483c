import type { ServerResponse } from 'node:http';
import type { Answer, BytesAnswer } from '@vodkit/core';
import { sendFile } from './send-file.js';

const toRawHeaders = (headers: Headers) => {
  const raw: [string, string][] = [];
  for (const [name, value] of headers) if (name !== 'set-cookie') raw.push([name, value]);
  for (const cookie of headers.getSetCookie()) raw.push(['set-cookie', cookie]);
  return raw;
};

/** How long a connection closed on a request whose body was not read keeps reading and dropping it. */
const LINGER_MS = 2_000;

/**
 * Node ends a "Connection: close" answer with `socket.destroySoon()`. Closing a socket while
 * the client is still sending its body (a large upload refused with 401 or 413) makes the
 * kernel send a reset, and the client sees a broken pipe instead of the answer. Like nginx's
 * lingering close, this one sends FIN, keeps reading and dropping what still arrives, and
 * closes when the client does, or after LINGER_MS.
 */
function lingerOnClose(res: ServerResponse) {
  const socket = res.socket;
  if (!socket) return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Answers a request whose body may still be coming: closing its connection once the answer is out. */
function closeIfUnread(res: ServerResponse, requestDone: boolean) {
  // A request body left unread would otherwise be drained before the connection
  // could serve another request: close it instead, gently.
  if (requestDone) return;
  res.shouldKeepAlive = false;
  lingerOnClose(res);
}

/** Writes vodkit's answer: bytes in one write, a file range straight from the file, a Response streamed. */
export function writeAnswer(answer: Answer, res: ServerResponse, requestDone: boolean): Promise<void> | undefined {
  if (answer instanceof Response) return writeResponse(answer, res, requestDone);
  closeIfUnread(res, requestDone);
  if (answer.kind === 'bytes') return void writeBytes(answer, res);
  return sendFile(answer, res);
}

function writeBytes({ status, headers, body }: BytesAnswer, res: ServerResponse) {
  // Headers written first are final: an answer with no body and no length would go out chunked.
  const empty = body === undefined && status !== 204 && status !== 304 && !('content-length' in headers);
  res.writeHead(status, empty ? { ...headers, 'content-length': '0' } : headers);
  res.end(body);
}

/** Resolves at the response's next 'drain' or 'close', leaving no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes a web Response to a node:http response, honouring backpressure. When
 * the client goes away the body is cancelled, so its source stops producing.
 */
export async function writeResponse(response: Response, res: ServerResponse, requestDone: boolean): Promise<void> {
  closeIfUnread(res, requestDone);
  res.writeHead(response.status, response.statusText || undefined, toRawHeaders(response.headers).flat());
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const cancel = () => reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await drainedOrClosed(res);
    }
    res.end();
  } finally {
    res.off('close', cancel);
  }
}
