import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileAnswer } from '@vodkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFile } from '../src/send-file.js';
import { openRaw, sleep, within } from './support/socket.js';

const MiB = 1024 * 1024;
/** 3.5 MiB: three whole 1 MiB reads and a half one. */
const SIZE = 3.5 * MiB;

let dir: string;
let path: string;
let content: Buffer;
/** A large file for sends that must still be under way when something happens; its bytes do not matter. */
let bigPath: string;
const BIG_SIZE = 48 * MiB;
/** Random bytes too, larger than what the kernel's socket buffers take of a client that stops reading. */
let largePath: string;
let large: Buffer;
const LARGE_SIZE = 16 * MiB;

/** What the server saw of one send. */
interface Send {
  /** How many times `done` was called. */
  calls: number;
  /** Whether `res.end()` had already been called when `done` was first called. */
  endedAtFirstDone: boolean | undefined;
  /** Resolves once sendFile's promise has settled. */
  settled: Promise<void>;
  /** The rejection of sendFile's promise, if any (it should have none). */
  failure: unknown;
  res: ServerResponse | undefined;
}

interface Spec {
  path: string;
  start: number;
  end: number;
  status?: number;
  headers?: Record<string, string>;
  idleTimeoutMs?: number;
  version?: string | undefined;
}

let server: Server;
let base: string;
const specs = new Map<string, { spec: Spec; send: Send; settle: () => void }>();
let nextId = 0;

/** Registers what the server sends for a new path, and what it saw of that send. */
function plan(spec: Spec): { target: string; send: Send } {
  const id = String(nextId++);
  let settle = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const send: Send = { calls: 0, endedAtFirstDone: undefined, settled, failure: undefined, res: undefined };
  specs.set(id, { spec, send, settle });
  return { target: `/send/${id}`, send };
}

const defaultHeaders = (spec: Spec) => ({
  'content-type': 'video/mp4',
  'content-length': String(spec.end - spec.start + 1),
  'accept-ranges': 'bytes',
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vodkit-send-file-'));
  path = join(dir, 'video.mp4');
  content = randomBytes(SIZE);
  await writeFile(path, content);
  bigPath = join(dir, 'big.mp4');
  await writeFile(bigPath, '');
  await truncate(bigPath, BIG_SIZE);
  largePath = join(dir, 'large.mp4');
  large = randomBytes(LARGE_SIZE);
  await writeFile(largePath, large);

  server = createServer((req, res) => {
    const entry = specs.get(req.url?.slice('/send/'.length) ?? '');
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    const { spec, send } = entry;
    send.res = res;
    const answer: FileAnswer = {
      kind: 'file',
      status: spec.status ?? 200,
      headers: spec.headers ?? defaultHeaders(spec),
      file: {
        path: spec.path,
        start: spec.start,
        end: spec.end,
        idleTimeoutMs: spec.idleTimeoutMs ?? 30_000,
        version: 'version' in spec ? spec.version : 'v1',
      },
      open: () => {
        throw new Error('sendFile must send the file itself, not open the web stream');
      },
      done: () => {
        if (send.calls === 0) send.endedAtFirstDone = res.writableEnded;
        send.calls += 1;
      },
    };
    sendFile(answer, res).then(entry.settle, (error: unknown) => {
      send.failure = error;
      entry.settle();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** What a client got: the status and headers (if any came), the body bytes, and whether it came whole. */
interface Got {
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body ended as HTTP framing says ('end' fired); false when the connection was cut. */
  complete: boolean;
  /** No response at all: the connection was cut before the status line. */
  error: Error | undefined;
  /** `done` calls the server had seen when the client's 'end' fired. */
  callsAtEnd: number | undefined;
}

interface GetOptions {
  /** Stops reading for this long after the first bytes, so the server's writes stay pending meanwhile. */
  pauseMs?: number;
  /** Destroys the request after this many body bytes. */
  abortAfter?: number;
}

function get(target: string, send: Send, options: GetOptions = {}): Promise<Got> {
  return new Promise<Got>((resolve) => {
    const got: Got = {
      status: undefined,
      headers: {},
      body: Buffer.alloc(0),
      complete: false,
      error: undefined,
      callsAtEnd: undefined,
    };
    const req = httpRequest(`${base}${target}`, { agent: false });
    req.on('error', (error) => {
      got.error = error;
      if (got.status === undefined) resolve(got);
    });
    req.on('response', (res) => {
      got.status = res.statusCode;
      got.headers = res.headers;
      const chunks: Buffer[] = [];
      let received = 0;
      let paused = false;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (options.abortAfter !== undefined && received >= options.abortAfter) req.destroy();
        if (options.pauseMs && !paused) {
          paused = true;
          res.pause();
          setTimeout(() => res.resume(), options.pauseMs);
        }
      });
      res.on('end', () => {
        got.complete = true;
        got.callsAtEnd = send.calls;
      });
      res.on('error', () => {});
      res.on('close', () => {
        got.body = Buffer.concat(chunks);
        resolve(got);
      });
    });
    req.end();
  });
}

/** Fetches `spec` and waits for the server's send to settle too. */
async function fetchRange(spec: Spec, options: GetOptions = {}) {
  const { target, send } = plan(spec);
  const got = await within(20_000, `the send of ${spec.start}-${spec.end}`, get(target, send, options));
  await within(20_000, 'sendFile settled', send.settled);
  return { got, send };
}

const expectWhole = (got: Got, start: number, end: number, bytes = content) => {
  expect(got.error).toBeUndefined();
  expect(got.complete).toBe(true);
  expect(got.body.length).toBe(end - start + 1);
  // Buffer.equals, not toEqual: a diff of megabytes helps nobody.
  expect(got.body.equals(bytes.subarray(start, end + 1))).toBe(true);
};

/** Done was called by the time the client had the whole body, while the send was still writing. */
const expectDoneBeforeTheEnd = (send: Send, got: Got) => {
  expect(got.callsAtEnd).toBeGreaterThanOrEqual(1);
  expect(send.endedAtFirstDone).toBe(false);
  expect(send.failure).toBeUndefined();
};

describe('sendFile', () => {
  it('sends the whole file byte for byte, with the status and headers given', async () => {
    const { got, send } = await fetchRange({
      path,
      start: 0,
      end: SIZE - 1,
      status: 200,
      headers: {
        'content-type': 'video/mp4',
        'content-length': String(SIZE),
        etag: '"abc"',
        'last-modified': 'Tue, 01 Jul 2025 00:00:00 GMT',
      },
    });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('video/mp4');
    expect(got.headers['content-length']).toBe(String(SIZE));
    expect(got.headers.etag).toBe('"abc"');
    expect(got.headers['last-modified']).toBe('Tue, 01 Jul 2025 00:00:00 GMT');
    expectWhole(got, 0, SIZE - 1);
    expectDoneBeforeTheEnd(send, got);
  });

  it.each([
    ['a range starting mid-chunk', 12_345, 2 * MiB + 999],
    ['a range crossing the 1 MiB chunk boundary', MiB - 10, MiB + 9],
    ['a range ending on the chunk boundary', 0, MiB - 1],
    ['a range starting on the chunk boundary', MiB, 2 * MiB],
    ['a one-byte range', 777_777, 777_777],
    ['the last byte', SIZE - 1, SIZE - 1],
    ['the first byte', 0, 0],
    ['the tail from mid-chunk', 3 * MiB + 1, SIZE - 1],
  ])('sends %s (%i-%i) byte for byte', async (_name, start, end) => {
    const { got, send } = await fetchRange({
      path,
      start,
      end,
      status: 206,
      headers: {
        'content-type': 'video/mp4',
        'content-length': String(end - start + 1),
        'content-range': `bytes ${start}-${end}/${SIZE}`,
      },
    });
    expect(got.status).toBe(206);
    expect(got.headers['content-range']).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(got.headers['content-length']).toBe(String(end - start + 1));
    expectWhole(got, start, end);
    expectDoneBeforeTheEnd(send, got);
  });

  it('calls done exactly once for a send that completes', async () => {
    const { got, send } = await fetchRange({ path, start: 0, end: SIZE - 1 });
    expectWhole(got, 0, SIZE - 1);
    expect(got.callsAtEnd).toBe(1);
    expect(send.calls).toBe(1);
  });

  it('sends 40 different ranges at once, every one byte for byte', async () => {
    const ranges: [number, number][] = [];
    for (let i = 0; i < 40; i++) {
      // Every kind: whole file, chunk-crossing, tiny, tail; each from a different offset.
      const start = (i * 91_331) % (SIZE - 1);
      const length = [SIZE - start, MiB + 1, 1, 2 * MiB + 12_345, 3 * MiB][i % 5] as number;
      ranges.push([start, Math.min(SIZE - 1, start + length - 1)]);
    }
    const results = await Promise.all(
      ranges.map(async ([start, end], i) => {
        // Staggered starts, and most clients stop reading for a while, each for its own time:
        // their chunks wait in the sockets while other sends take chunks from the pool and
        // read into them.
        await sleep((i % 8) * 15);
        return fetchRange({ path, start, end }, i % 4 === 3 ? {} : { pauseMs: 20 + ((i * 37) % 200) });
      }),
    );
    results.forEach(({ got, send }, i) => {
      const [start, end] = ranges[i] as [number, number];
      expectWhole(got, start, end);
      expect(send.calls).toBeGreaterThanOrEqual(1);
      expect(send.failure).toBeUndefined();
    });
  });

  it("never reuses a chunk a slow client's socket still holds", async () => {
    // The slow client stops reading after its first bytes: the kernel's buffers fill and the
    // socket keeps a chunk waiting. Sends meanwhile take chunks from the pool and read into them;
    // had that chunk been given back before the socket wrote it, the slow client gets their bytes.
    const slow = fetchRange({ path: largePath, start: 0, end: LARGE_SIZE - 1 }, { pauseMs: 500 });
    await sleep(100);
    const others = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const start = i * 200_003;
        return fetchRange({ path, start, end: SIZE - 1 });
      }),
    );
    others.forEach(({ got }, i) => {
      expectWhole(got, i * 200_003, SIZE - 1);
    });
    expectWhole((await slow).got, 0, LARGE_SIZE - 1, large);
  });

  it('sends two pipelined requests on one connection, each byte for byte', async () => {
    const first = plan({ path, start: 100, end: 2 * MiB + 100 });
    const second = plan({ path, start: MiB + 5, end: SIZE - 1 });
    const connection = await openRaw(base);
    const host = new URL(base).host;
    connection.socket.write(
      `GET ${first.target} HTTP/1.1\r\nHost: ${host}\r\n\r\nGET ${second.target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    await within(20_000, 'both answers', connection.closed);
    await Promise.all([first.send.settled, second.send.settled]);
    const raw = Buffer.from(connection.received(), 'latin1');
    const bodies: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < 2; i++) {
      const headEnd = raw.indexOf('\r\n\r\n', at);
      const head = raw.subarray(at, headEnd).toString('latin1');
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
      bodies.push(raw.subarray(headEnd + 4, headEnd + 4 + length));
      at = headEnd + 4 + length;
    }
    expect(at).toBe(raw.length);
    expect(bodies[0]?.equals(content.subarray(100, 2 * MiB + 101))).toBe(true);
    expect(bodies[1]?.equals(content.subarray(MiB + 5, SIZE))).toBe(true);
    expect(first.send.calls).toBeGreaterThanOrEqual(1);
    expect(second.send.calls).toBeGreaterThanOrEqual(1);
  });

  it('calls done once when the client goes away mid-body, and goes on serving others', async () => {
    const { got, send } = await fetchRange({ path: bigPath, start: 0, end: BIG_SIZE - 1 }, { abortAfter: 1 });
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(BIG_SIZE);
    // The send stopped because the client went, not because it was over.
    expect(send.res?.writableFinished).toBe(false);
    expect(send.failure).toBeUndefined();
    expect(send.calls).toBe(1);
    await sleep(50);
    expect(send.calls).toBe(1);

    const after = await fetchRange({ path, start: 0, end: SIZE - 1 });
    expectWhole(after.got, 0, SIZE - 1);
  });

  it('keeps the bytes of other sends right while clients go away mid-body', async () => {
    const sends = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const start = (i * 123_457) % MiB;
        return i % 3 === 0
          ? fetchRange({ path: bigPath, start: 0, end: BIG_SIZE - 1 }, { abortAfter: 1 + i * 1000 })
          : fetchRange({ path, start, end: SIZE - 1 }, { pauseMs: 50 }).then((result) => {
              expectWhole(result.got, start, SIZE - 1);
              return result;
            });
      }),
    );
    for (const { send } of sends) expect(send.calls).toBeGreaterThanOrEqual(1);
  });

  it('cuts the connection, and calls done once, when the file is shorter than the answer says', async () => {
    const short = join(dir, 'short.mp4');
    await copyFile(path, short);
    const { target, send } = plan({ path: short, start: 0, end: SIZE - 1, version: 'short-1' });
    // The answer was made for 3.5 MiB; the file is now 1.5 MiB.
    await truncate(short, 1.5 * MiB);
    const got = await within(20_000, 'the short send', get(target, send));
    await send.settled;
    expect(got.status).toBe(200);
    expect(got.headers['content-length']).toBe(String(SIZE));
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThanOrEqual(1.5 * MiB);
    expect(got.body.equals(content.subarray(0, got.body.length))).toBe(true);
    expect(send.calls).toBe(1);
    expect(send.failure).toBeUndefined();

    const after = await fetchRange({ path, start: 5, end: MiB + 5 });
    expectWhole(after.got, 5, MiB + 5);
  });

  it('cuts the connection, and calls done once, when the file ends before the range starts', async () => {
    const short = join(dir, 'shorter.mp4');
    await copyFile(path, short);
    const { target, send } = plan({ path: short, start: 2 * MiB, end: SIZE - 1, version: 'shorter-1' });
    await truncate(short, MiB);
    const got = await within(20_000, 'the short send', get(target, send));
    await send.settled;
    expect(got.complete).toBe(false);
    expect(got.body.length).toBe(0);
    expect(send.calls).toBe(1);
  });

  it('cuts the connection, and calls done once, when the file is missing', async () => {
    const { target, send } = plan({ path: join(dir, 'missing.mp4'), start: 0, end: 99 });
    const got = await within(20_000, 'the missing send', get(target, send));
    await send.settled;
    expect(got.complete).toBe(false);
    expect(got.body.length).toBe(0);
    expect(send.calls).toBe(1);
    expect(send.failure).toBeUndefined();

    const after = await fetchRange({ path, start: 0, end: 99 });
    expectWhole(after.got, 0, 99);
  });

  it('sends a file opened without a version', async () => {
    const { got, send } = await fetchRange({ path, start: 1000, end: 2 * MiB, version: undefined });
    expectWhole(got, 1000, 2 * MiB);
    expect(send.calls).toBeGreaterThanOrEqual(1);
  });

  it('cuts a client that stops reading for the idle timeout, and calls done once', async () => {
    const { target, send } = plan({ path: bigPath, start: 0, end: BIG_SIZE - 1, idleTimeoutMs: 300 });
    const connection = await openRaw(base);
    connection.socket.pause();
    connection.socket.write(`GET ${target} HTTP/1.1\r\nHost: ${new URL(base).host}\r\n\r\n`);
    // Seen from the server: a client that reads nothing would not see the end of its connection.
    await within(10_000, 'the stalled send settled', send.settled);
    connection.socket.destroy();
    expect(send.res?.writableFinished).toBe(false);
    expect(send.res?.destroyed).toBe(true);
    expect(send.calls).toBe(1);
  });

  it('cuts a client that stops reading even once the last chunk is handed to the socket', async () => {
    // A client that reads nothing: with 1 MiB chunks, one of these sizes has every chunk but
    // the last taken by the kernel's buffers and the last still waiting in the socket, after
    // res.end(). That send must still be cut, not left open with its chunk forever.
    const sends = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(async (mib) => {
        const { target, send } = plan({ path: bigPath, start: 0, end: mib * MiB - 1, idleTimeoutMs: 300 });
        const connection = await openRaw(base);
        connection.socket.pause();
        connection.socket.write(`GET ${target} HTTP/1.1\r\nHost: ${new URL(base).host}\r\n\r\n`);
        return { mib, send, connection };
      }),
    );
    await sleep(3_000);
    const stuck = sends
      .filter(({ send }) => send.res && !send.res.writableFinished && !send.res.destroyed)
      .map(({ mib, send }) => ({ mib, ended: send.res?.writableEnded, pending: send.res?.socket?.writableLength }));
    for (const { connection } of sends) connection.socket.destroy();
    expect(stuck).toEqual([]);
  });
});
