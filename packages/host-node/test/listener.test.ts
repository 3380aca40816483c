import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contract, createVodkit, type Logger, memoryStore, type Vodkit } from '@vodkit/core';
import { type FetchHandler, getRequestListener, serve, writeClientError } from '@vodkit/host-node';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import { testPasswords } from '../../../test/support/stores.js';
import { expectError, expectJson } from './support/http.js';
import { openRaw, parseResponse, sleep, within } from './support/socket.js';

/** A logger that keeps what it is told, so tests can say nothing went wrong. */
const recordingLogger = () => {
  const errors: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: () => {},
    error: (message, fields) => errors.push({ message, ...(fields ? { fields } : {}) }),
  };
  return { logger, errors };
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Listens on a free port and registers the server for closing after the test. */
async function listen(server: Server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An existing app's server that serves its own `/own` and hands everything else to the listener. */
async function hostApp(app: FetchHandler, logger: Logger) {
  const listener = getRequestListener(app, { logger });
  return listen(
    createServer((req, res) => {
      if (req.url === '/own') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('mine');
        return;
      }
      void listener(req, res);
    }),
  );
}

const newVodkit = (logger: Logger): Vodkit => {
  const vodkit = createVodkit({ store: memoryStore(), passwords: testPasswords(), logger });
  cleanups.push(() => vodkit.close());
  return vodkit;
};

describe('getRequestListener in an existing node:http server', () => {
  it('serves vodkit beside the routes of its host', async () => {
    const { logger, errors } = recordingLogger();
    const url = await hostApp(newVodkit(logger), logger);
    const own = await fetch(`${url}/own`);
    expect([own.status, await own.text()]).toEqual([200, 'mine']);
    expectJson(await call(url, 'GET', '/healthz'), 200, contract.health.health.responses[200]);
    const alice = await register(url, 'alice');
    expect((await call(url, 'GET', '/api/user/alice', { session: alice.session })).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('streams a large Response to a slow reader without piling up listeners', async () => {
    const { logger, errors } = recordingLogger();
    let response: import('node:http').ServerResponse | undefined;
    const listener = getRequestListener(
      {
        fetch: async () =>
          new Response(
            new ReadableStream({
              pull(controller) {
                controller.enqueue(new Uint8Array(64 * 1024));
              },
            }).pipeThrough(new TransformStream()),
            { headers: { 'content-type': 'application/octet-stream' } },
          ),
      },
      { logger },
    );
    const url = await listen(
      createServer((req, res) => {
        response = res;
        void listener(req, res);
      }),
    );
    const answer = await fetch(`${url}/big`);
    if (answer.status !== 200) throw new Error(`${answer.status} ${JSON.stringify(errors)}`);
    const reader = answer.body?.getReader();
    let received = 0;
    let mostListeners = 0;
    while (received < 6 * 1024 * 1024 && reader) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      mostListeners = Math.max(
        mostListeners,
        response?.listenerCount('close') ?? 0,
        response?.listenerCount('drain') ?? 0,
      );
      await sleep(1);
    }
    await reader?.cancel();
    expect(received).toBeGreaterThanOrEqual(6 * 1024 * 1024);
    // The host's own, and one per wait at most: not one more per wait that ever happened.
    expect(mostListeners).toBeLessThan(5);
  });

  it('survives a client that goes away halfway through its body, with no effect and nothing logged', async () => {
    const { logger, errors } = recordingLogger();
    const url = await hostApp(newVodkit(logger), logger);
    const body = JSON.stringify({ user_name: 'ghost', pwd: 'password1' });
    const conn = await openRaw(url);
    conn.socket.write(
      `POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await sleep(50);
    conn.socket.destroy();
    await sleep(50);
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
    const again = await call(url, 'POST', '/api/register', { body: { user_name: 'ghost', pwd: 'password1' } });
    expect(again.status).toBe(201);
    expect(errors).toEqual([]);
  });

  it("aborts the app's request signal when the client goes away while it works", async () => {
    const { logger, errors } = recordingLogger();
    let aborted!: () => void;
    const sawAbort = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const slow: FetchHandler = {
      async fetch(request) {
        await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
        aborted();
        return new Response('too late');
      },
    };
    const url = await hostApp(slow, logger);
    const conn = await openRaw(url);
    conn.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(50);
    conn.socket.destroy();
    await sawAbort;
    const own = await fetch(`${url}/own`);
    expect(own.status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('answers HEAD on a GET route with the GET headers and no body', async () => {
    const { logger } = recordingLogger();
    const url = await hostApp(newVodkit(logger), logger);
    const get = await fetch(`${url}/healthz`);
    const getBody = await get.text();
    for (const path of ['/healthz', '/api/user/nobody/videos']) {
      const conn = await openRaw(url);
      conn.socket.end(`HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      await conn.closed;
      const head = parseResponse(conn.received());
      expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(head.body).toBe('');
      if (path === '/healthz') {
        expect(head.status).toBe(200);
        expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(getBody)));
      } else {
        expect(head.status).toBe(404);
      }
    }
  });

  it.each([
    ['with a Content-Length over the limit', `Content-Length: ${8 * 1024 * 1024}\r\n`, 64 * 1024],
    ['chunked past the limit, never finished', 'Transfer-Encoding: chunked\r\n', 1024 * 1024 + 64 * 1024],
  ])('413 for a JSON body %s, and the connection is closed', async (_label, framing, sent) => {
    const { logger, errors } = recordingLogger();
    const url = await hostApp(newVodkit(logger), logger);
    const conn = await openRaw(url);
    conn.socket.write(`POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n`);
    const piece = 'x'.repeat(16 * 1024);
    const chunked = framing.startsWith('Transfer');
    for (let at = 0; at < sent; at += piece.length) {
      conn.socket.write(chunked ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece);
    }
    // The rest of the body is never sent: a server that waited for it would never close.
    await within(5000, 'the server closes the connection', conn.closed);
    const answer = parseResponse(conn.received());
    expect(answer.status).toBe(413);
    expect(answer.headers.get('connection')).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
    expect(errors).toEqual([]);
  });

  it("answers 500 in the one error shape when the app's fetch throws, and logs it", async () => {
    const { logger, errors } = recordingLogger();
    const url = await hostApp(
      {
        fetch: async () => {
          throw new Error('boom');
        },
      },
      logger,
    );
    expectError(await call(url, 'GET', '/anything'), 500, 'INTERNAL');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('boom');
    expect((await fetch(`${url}/own`)).status).toBe(200);
  });

  it('cuts the connection when the body fails after the headers are out', async () => {
    const { logger, errors } = recordingLogger();
    const failing: FetchHandler = {
      fetch: async () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"partial":'));
            },
            pull(controller) {
              controller.error(new Error('disk gone'));
            },
          }),
          { headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
    };
    const url = await hostApp(failing, logger);
    await expect(fetch(`${url}/x`).then((response) => response.text())).rejects.toThrow();
    expect(errors).toHaveLength(1);
    expect((await fetch(`${url}/own`)).status).toBe(200);
  });
});

describe('getRequestListener with writeClientError in an embedding server', () => {
  /** An app's server that mounts vodkit as the README says: Host checked by vodkit, client errors shaped. */
  async function embedded(logger: Logger) {
    const server = createServer({ requireHostHeader: false }, getRequestListener(newVodkit(logger), { logger }));
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => writeClientError(error, socket));
    return listen(server);
  }

  it('refuses HTTP/1.1 without Host in the one error shape', async () => {
    const { logger, errors } = recordingLogger();
    const url = await embedded(logger);
    const conn = await openRaw(url);
    conn.socket.write('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    await within(5000, 'the server closes the connection', conn.closed);
    const answer = parseResponse(conn.received());
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'VALIDATION', details: [{ path: 'headers.host' }] });
    expect(errors).toEqual([]);
  });

  it('answers a body that breaks while vodkit reads it once, in the one error shape, and writes nothing after', async () => {
    const { logger, errors } = recordingLogger();
    const url = await embedded(logger);
    const conn = await openRaw(url);
    conn.socket.write(
      'POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"use\r\n',
    );
    await sleep(100);
    conn.socket.write('zz\r\n');
    await within(5000, 'the server closes the connection', conn.closed);
    // Time for vodkit's own answer to the failed body read, which must not be written.
    await sleep(100);
    const answer = parseResponse(conn.received());
    expect(answer.status).toBe(400);
    expect(answer.headers.get('connection')).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'VALIDATION', message: 'The request is not valid.' },
    });
    expect(conn.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
    expect(errors).toEqual([]);
  });
});

describe('serve()', () => {
  it("installs no signal handler: stopping on SIGTERM or SIGINT is the caller's business", async () => {
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    const count = () => signals.map((signal) => process.listenerCount(signal));
    const before = count();
    const app = { fetch: async () => new Response('ok'), close: async () => {} };
    const running = await serve(app, { port: 0, logger: recordingLogger().logger });
    expect(count()).toEqual(before);
    await running.close();
    expect(count()).toEqual(before);
  });

  it('close() lets a request in flight finish, refuses new ones, then closes the app', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let appClosed = false;
    const app = {
      async fetch() {
        entered();
        await gate;
        return new Response('finished', { headers: { 'content-type': 'text/plain' } });
      },
      async close() {
        appClosed = true;
      },
    };
    const { logger } = recordingLogger();
    const running = await serve(app, { port: 0, logger });
    const pending = fetch(`${running.url}/slow`);
    await inside;

    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    await sleep(100);
    expect({ closed, appClosed }).toEqual({ closed: false, appClosed: false });
    await expect(fetch(`${running.url}/new`)).rejects.toThrow();

    release();
    const response = await pending;
    expect([response.status, await response.text()]).toEqual([200, 'finished']);
    await closing;
    expect({ closed, appClosed }).toEqual({ closed: true, appClosed: true });
  });
});
