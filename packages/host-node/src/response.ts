import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { type FileBody, fileBodyOf } from '@vodkit/core';

const toRawHeaders = (headers: Headers) => {
  const raw: [string, string][] = [];
  for (const [name, value] of headers) if (name !== 'set-cookie') raw.push([name, value]);
  for (const cookie of headers.getSetCookie()) raw.push(['set-cookie', cookie]);
  return raw;
};

/**
 * Writes a web Response to a node:http response, honouring backpressure. When
 * the client goes away the body is cancelled, so its source stops producing.
 */
export async function writeResponse(response: Response, res: ServerResponse, requestDone: boolean): Promise<void> {
  // A request body left unread would otherwise be drained before the connection
  // could serve another request: close it instead.
  if (!requestDone) res.shouldKeepAlive = false;
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
 * A file range piped from a file stream straight to the socket: no web stream
 * in between, no chunk copied through JavaScript. The web body is cancelled
 * unread afterwards, which runs its cleanup (the stream token goes back).
 */
async function sendFile(file: FileBody, body: ReadableStream<Uint8Array>, res: ServerResponse) {
  try {
    await pipeline(createReadStream(file.path, { start: file.start, end: file.end, highWaterMark: 256 * 1024 }), res);
  } finally {
    await body.cancel().catch(() => {});
  }
}
