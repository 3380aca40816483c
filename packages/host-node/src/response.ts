import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { type FileBody, fileBodyOf } from '@vodkit/core';
import { cutWhenIdle } from './idle-cut.js';

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

/**
 * Writes a web Response to a node:http response, honouring backpressure. When
 * the client goes away the body is cancelled, so its source stops producing.
 */
export async function writeResponse(response: Response, res: ServerResponse, requestDone: boolean): Promise<void> {
  // A request body left unread would otherwise be drained before the connection
  // could serve another request: close it instead, gently.
  if (!requestDone) {
    res.shouldKeepAlive = false;
    lingerOnClose(res);
  }
  res.writeHead(response.status, response.statusText || undefined, toRawHeaders(response.headers).flat());
  if (!response.body) {
    res.end();
    return;
  }
  const file = fileBodyOf(response);
  if (file) return sendFile(file, response.body, res);
  const reader = response.body.getReader();
  const cancel = () => reader.cancel().catch(() => {});
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } finally {
    res.off('close', cancel);
  }
}

/**
 * A file range piped from a file stream straight to the socket: no web stream in between,
 * no chunk copied through JavaScript. The web body is cancelled unread, which runs its
 * cleanup (the stream token goes back) as soon as the file stream ends: its last byte is
 * then in the socket's hands, before the client can have it and ask again. A client that
 * stops reading for the file's idle timeout is cut, and its token goes back too.
 */
async function sendFile(file: FileBody, body: ReadableStream<Uint8Array>, res: ServerResponse) {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    void body.cancel().catch(() => {});
  };
  const source = createReadStream(file.path, { start: file.start, end: file.end, highWaterMark: 256 * 1024 });
  source.once('end', release);
  const stopWatching = cutWhenIdle(res, file.idleTimeoutMs);
  // Until the last byte has left for the client, not just the file stream's end.
  res.once('finish', stopWatching);
  try {
    await pipeline(source, res);
  } finally {
    stopWatching();
    release();
  }
}
