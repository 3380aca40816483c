import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A raw TCP connection to a test server, for what an HTTP client would not send or would hide. */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the server has ended or cut the connection. */
  closed: Promise<void>;
  /** Resolves once `text` has been received. */
  waitFor(text: string): Promise<void>;
}

export async function openRaw(base: string): Promise<RawConnection> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let data = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  // Writing into a connection the server has cut fails; the tests look at what came back instead.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', () => resolve());
  });
  return {
    socket,
    received: () => data,
    closed,
    async waitFor(text) {
      while (!data.includes(text)) {
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        if ((await Promise.race([more.then(() => 'data'), closed.then(() => 'closed')])) === 'closed') break;
      }
      if (!data.includes(text)) throw new Error(`connection closed before ${JSON.stringify(text)}; got ${data}`);
    },
  };
}

/** Status, lower-cased headers and body of the first response in raw bytes. */
export function parseResponse(text: string) {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head in ${JSON.stringify(text)}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails with `what` instead of hanging until the test's own timeout. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
