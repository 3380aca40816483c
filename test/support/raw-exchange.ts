import { openRaw, sleep, within } from '../../packages/host-node/test/support/socket.js';

export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Map<string, string>;
  body: string;
}

/**
 * Every response in bytes read off a connection, in order: each body delimited by its
 * Content-Length, by the last chunk of a chunked body, or else by the end of the connection.
 */
export function splitResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an incomplete response head in ${JSON.stringify(rest)}`);
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    if (!/^HTTP\/1\.[01] \d{3}/.test(statusLine)) throw new Error(`not a response: ${JSON.stringify(rest)}`);
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const after = rest.slice(end + 4);
    const length = headers.get('content-length');
    let size = after.length;
    if (length !== undefined) size = Number(length);
    else if (headers.get('transfer-encoding') === 'chunked') size = after.indexOf('0\r\n\r\n') + 5;
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: after.slice(0, size) });
    rest = after.slice(size);
  }
  return responses;
}

/**
 * Sends `parts` on a new connection, `gapMs` apart (so the server has the first part, and
 * its request is in flight, before the next arrives), then reads until the server closes
 * the connection. Fails, instead of hanging, if it does not close within `ms`.
 */
export async function exchange(base: string, parts: string[], { gapMs = 100, ms = 5000 } = {}) {
  const conn = await openRaw(base);
  for (const [i, part] of parts.entries()) {
    if (i > 0) await sleep(gapMs);
    conn.socket.write(part);
  }
  await within(ms, 'the server closes the connection', conn.closed);
  return splitResponses(conn.received());
}
