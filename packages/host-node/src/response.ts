import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

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
