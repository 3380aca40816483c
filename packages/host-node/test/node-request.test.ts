import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncomingRequest, realRequest, toRequest } from '../src/request.js';
import { openRaw, within } from './support/socket.js';

type Inspect = (request: IncomingRequest, req: IncomingMessage) => unknown;

/**
 * One server for the file: each test hands it what to do with the next request's toRequest()
 * (`inspect`), and gets back what that returned, or what it threw.
 */
let server: Server;
let port: number;
let pending: { inspect: Inspect; resolve: (value: unknown) => void; reject: (error: unknown) => void } | undefined;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const job = pending;
    pending = undefined;
    try {
      if (!job) throw new Error(`no test is waiting for ${req.method} ${req.url}`);
      const result = await job.inspect(toRequest(req), req);
      job.resolve(result);
    } catch (error) {
      job?.reject(error);
    }
    if (!res.destroyed) res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Send {
  method?: string;
  path?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
}

/** Sends one request with node:http (the target as written) and resolves with what `inspect` made of it. */
async function through<T>(
  send: Send,
  inspect: (request: IncomingRequest, req: IncomingMessage) => T,
): Promise<Awaited<T>> {
  const result = new Promise<unknown>((resolve, reject) => {
    pending = { inspect, resolve, reject };
  });
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    method: send.method ?? 'GET',
    path: send.path ?? '/',
    headers: send.headers,
    agent: false,
  });
  req.on('response', (res) => res.resume());
  req.on('error', () => {});
  req.end(send.body);
  return within(10_000, 'the server saw the request', result) as Promise<Awaited<T>>;
}

/** Sends raw request bytes (what node:http's client would not send) and resolves like `through`. */
async function throughRaw<T>(head: string, inspect: (request: IncomingRequest, req: IncomingMessage) => T) {
  const result = new Promise<unknown>((resolve, reject) => {
    pending = { inspect, resolve, reject };
  });
  const connection = await openRaw(`http://127.0.0.1:${port}`);
  connection.socket.write(head);
  try {
    return (await within(10_000, 'the server saw the request', result)) as Awaited<T>;
  } finally {
    connection.socket.destroy();
  }
}

const origin = () => `http://127.0.0.1:${port}`;

describe('toRequest', () => {
  it('is a Request, with the method and the URL of a plain target', async () => {
    const seen = await through({ method: 'DELETE', path: '/api/videos/x%20y?cursor=a%2Cb&n=1' }, (request) => ({
      isRequest: request instanceof Request,
      method: request.method,
      url: request.url,
    }));
    expect(seen).toEqual({
      isRequest: true,
      method: 'DELETE',
      url: `${origin()}/api/videos/x%20y?cursor=a%2Cb&n=1`,
    });
  });

  it.each([
    ['/a%20b?x=1', '/a%20b?x=1'],
    ['/', '/'],
    // Resolved against a base, "//evil/x" would make "evil" the host.
    ['//evil.example/x', '//evil.example/x'],
    // Characters URL parsing encodes: the URL is what URL parsing makes of the target.
    ["/a\"b?q='c'", '/a%22b?q=%27c%27'],
    ['/x{y}`?z=`', '/x%7By%7D%60?z=`'],
    ['/p?', '/p?'],
  ])('makes the URL of target %s with the Host as origin', async (target, tail) => {
    const seen = await through({ path: target }, (request) => ({ url: request.url, real: realRequest(request).url }));
    expect(seen.url).toBe(`${origin()}${tail}`);
    expect(seen.url).toBe(new URL(seen.url).href);
    expect(seen.real).toBe(seen.url);
  });

  it('takes the origin of an absolute-form target', async () => {
    const seen = await throughRaw(
      `GET http://media.example:8080/stream/v1?t=2 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      (request, req) => ({ target: req.url, url: request.url, real: realRequest(request).url }),
    );
    expect(seen).toEqual({
      target: 'http://media.example:8080/stream/v1?t=2',
      url: 'http://media.example:8080/stream/v1?t=2',
      real: 'http://media.example:8080/stream/v1?t=2',
    });
  });

  // A Request's url is always serialised: lower-case host, no default port. `request.url` and
  // the real Request's url must not disagree.
  it.each([
    ['MEDIA.Example', 'http://media.example/v?x=1'],
    ['media.example:80', 'http://media.example/v?x=1'],
  ])('has the URL a real Request would have for Host %s', async (host, url) => {
    const seen = await throughRaw(`GET /v?x=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, (request) => ({
      url: request.url,
      real: realRequest(request).url,
      parsed: new URL(request.url).href,
    }));
    expect(seen.real).toBe(url);
    expect(seen.parsed).toBe(url);
    expect(seen.url).toBe(url);
  });

  it('keeps every header, joining repeated ones, with names matched regardless of case', async () => {
    const seen = await throughRaw(
      [
        'GET /h HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'X-Repeat: one',
        'x-repeat: two',
        'X-MiXeD-Case: Value With Case',
        'Accept: text/plain',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
      (request) => ({
        repeat: request.headers.get('x-repeat'),
        mixed: request.headers.get('x-mixed-case'),
        upper: request.headers.get('X-MIXED-CASE'),
        host: request.headers.get('host'),
        names: [...request.headers.keys()],
        realRepeat: realRequest(request).headers.get('X-Repeat'),
      }),
    );
    expect(seen.repeat).toBe('one, two');
    expect(seen.mixed).toBe('Value With Case');
    expect(seen.upper).toBe('Value With Case');
    expect(seen.host).toBe(`127.0.0.1:${port}`);
    expect(seen.names).toEqual(['accept', 'connection', 'host', 'x-mixed-case', 'x-repeat']);
    expect(seen.realRepeat).toBe('one, two');
  });

  it('gives the same Headers object each time it is asked', async () => {
    const same = await through({ headers: { 'x-a': '1' } }, (request) => {
      const first = request.headers;
      return first === request.headers;
    });
    expect(same).toBe(true);
  });

  it('has a null body for a GET and a HEAD, and an empty text', async () => {
    const get = await through({ method: 'GET' }, async (request) => ({
      body: request.body,
      text: await request.text(),
      used: request.bodyUsed,
    }));
    expect(get).toEqual({ body: null, text: '', used: false });
    const head = await through({ method: 'HEAD' }, (request) => ({ body: request.body, method: request.method }));
    expect(head).toEqual({ body: null, method: 'HEAD' });
  });

  it('has a null body for a POST with Content-Length: 0', async () => {
    const seen = await through({ method: 'POST', headers: { 'content-length': '0' } }, async (request) => ({
      body: request.body,
      text: await request.text(),
    }));
    expect(seen).toEqual({ body: null, text: '' });
  });

  it('reads a POST body with text()', async () => {
    const text = 'héllo, wörld 🎬';
    const seen = await through(
      { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text },
      async (request) => {
        const body = await request.text();
        return { body, used: request.bodyUsed };
      },
    );
    expect(seen).toEqual({ body: text, used: true });
  });

  it('reads a POST body with json()', async () => {
    const value = { title: 'Zoë', n: [1, 2, 3] };
    const seen = await through(
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) },
      (request) => request.json(),
    );
    expect(seen).toEqual(value);
  });

  it('reads a large chunked POST body with arrayBuffer(), byte for byte', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const seen = await through(
      { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: bytes },
      async (request) => Buffer.from(await request.arrayBuffer()),
    );
    expect(seen.equals(bytes)).toBe(true);
  });

  it('streams a POST body through .body', async () => {
    const bytes = randomBytes(300_000);
    const seen = await through({ method: 'PUT', body: bytes }, async (request) => {
      const body = request.body;
      if (!body) throw new Error('expected a body');
      const chunks: Uint8Array[] = [];
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
      return Buffer.concat(chunks);
    });
    expect(seen.equals(bytes)).toBe(true);
  });

  it('clones: the clone and the original both read the whole body', async () => {
    const seen = await through({ method: 'POST', headers: { 'x-tag': 'a' }, body: 'twice' }, async (request) => {
      const copy = request.clone();
      return {
        isRequest: copy instanceof Request,
        url: copy.url,
        method: copy.method,
        tag: copy.headers.get('x-tag'),
        copy: await copy.text(),
        original: await request.text(),
      };
    });
    expect(seen).toEqual({
      isRequest: true,
      url: `${origin()}/`,
      method: 'POST',
      tag: 'a',
      copy: 'twice',
      original: 'twice',
    });
  });

  it('clones: the original body stays readable through .body, as a Request has it', async () => {
    const seen = await through({ method: 'POST', body: 'twice' }, async (request) => {
      const copy = request.clone();
      return { copy: await copy.text(), original: await new Response(request.body).text() };
    });
    expect(seen).toEqual({ copy: 'twice', original: 'twice' });
  });

  it('says its body is used after it was read through .body, as a Request does', async () => {
    const seen = await through({ method: 'POST', body: 'once' }, async (request) => {
      const text = await new Response(request.body).text();
      return { text, used: request.bodyUsed };
    });
    expect(seen).toEqual({ text: 'once', used: true });
  });

  it('has the Request members it does not make itself (cache, mode, redirect, …)', async () => {
    const seen = await through({}, (request) => ({
      cache: request.cache,
      credentials: request.credentials,
      redirect: request.redirect,
      referrer: request.referrer,
      duplex: (request as Request & { duplex?: string }).duplex,
      string: Object.prototype.toString.call(request),
    }));
    const plain = new Request('http://x/');
    expect(seen).toEqual({
      cache: plain.cache,
      credentials: plain.credentials,
      redirect: plain.redirect,
      referrer: plain.referrer,
      duplex: (plain as Request & { duplex?: string }).duplex,
      string: Object.prototype.toString.call(plain),
    });
  });

  it('aborts its signal when abort() is called after the signal was read', async () => {
    const seen = await through({}, (request) => {
      const signal = request.signal;
      const before = signal.aborted;
      let events = 0;
      signal.addEventListener('abort', () => {
        events += 1;
      });
      request.abort();
      request.abort();
      return { before, after: signal.aborted, events, same: request.signal === signal };
    });
    expect(seen).toEqual({ before: false, after: true, events: 1, same: true });
  });

  it('aborts its signal when abort() was called before the signal was first read', async () => {
    const seen = await through({}, (request) => {
      request.abort();
      return { aborted: request.signal.aborted, real: realRequest(request).signal.aborted };
    });
    expect(seen).toEqual({ aborted: true, real: true });
  });

  it('leaves its signal alone until abort() is called', async () => {
    const seen = await through({}, (request) => ({
      aborted: request.signal.aborted,
      real: realRequest(request).signal.aborted,
    }));
    expect(seen).toEqual({ aborted: false, real: false });
  });

  it("aborts the real Request's signal when abort() comes after it was made", async () => {
    const seen = await through({}, (request) => {
      const real = realRequest(request);
      const before = real.signal.aborted;
      request.abort();
      return { before, after: real.signal.aborted };
    });
    expect(seen).toEqual({ before: false, after: true });
  });

  it('gives a real Request with the same method, URL, headers and body', async () => {
    const bytes = randomBytes(200_000);
    const seen = await through(
      { method: 'PATCH', path: '/r?x=1', headers: { 'content-type': 'application/octet-stream' }, body: bytes },
      async (request) => {
        const real = realRequest(request);
        return {
          same: realRequest(request) === real,
          isNodeRequest: real === (request as Request),
          prototype: Object.getPrototypeOf(real) === Request.prototype,
          method: real.method,
          url: real.url,
          type: real.headers.get('content-type'),
          length: real.headers.get('content-length'),
          body: Buffer.from(await real.arrayBuffer()),
          used: request.bodyUsed,
        };
      },
    );
    expect(seen).toMatchObject({
      same: true,
      isNodeRequest: false,
      prototype: true,
      method: 'PATCH',
      url: `${origin()}/r?x=1`,
      type: 'application/octet-stream',
      length: String(bytes.length),
      used: true,
    });
    expect(seen.body.equals(bytes)).toBe(true);
  });

  it('gives a real Request of a GET without a body', async () => {
    const seen = await through({ path: '/g' }, (request) => {
      const real = realRequest(request);
      return { body: real.body, method: real.method, url: real.url };
    });
    expect(seen).toEqual({ body: null, method: 'GET', url: `${origin()}/g` });
  });

  it('refuses a request without a valid Host', async () => {
    const error = await throughRaw(
      'GET / HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n',
      () => 'no error',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
  });
});

describe('the body stream of a client that goes away', () => {
  it('gives every byte that arrived before it fails', async () => {
    const sent = randomBytes(300_000);
    const result = new Promise<unknown>((resolve, reject) => {
      pending = {
        async inspect(request, req) {
          // Made now, so the bytes flow into its queue; read only once the client is gone.
          const reader = (request.body as ReadableStream<Uint8Array>).getReader();
          if (!req.destroyed) await new Promise((resolve) => req.once('close', resolve));
          let received = 0;
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return { received, failed: false };
              received += value.byteLength;
            }
          } catch {
            return { received, failed: true };
          }
        },
        resolve,
        reject,
      };
    });
    const connection = await openRaw(origin());
    connection.socket.write(`POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000000\r\n\r\n`);
    connection.socket.write(sent);
    await new Promise((resolve) => setTimeout(resolve, 300));
    connection.socket.destroy();
    expect(await within(10_000, 'the server read the body', result)).toEqual({ received: sent.length, failed: true });
  });
});

describe('arrayBuffer() straight from the socket', () => {
  it('reads a declared body whole, then the body counts as used', async () => {
    const body = JSON.stringify({ content: 'héllo' });
    const seen = await through(
      { method: 'POST', body, headers: { 'content-type': 'application/json' } },
      async (request) => {
        const bytes = new Uint8Array(await request.arrayBuffer());
        const again = await request.text().then(
          () => 'read twice',
          (error: unknown) => (error instanceof TypeError ? 'refused' : String(error)),
        );
        return { text: new TextDecoder().decode(bytes), used: request.bodyUsed, again };
      },
    );
    expect(seen).toEqual({ text: body, used: true, again: 'refused' });
  });

  it('is empty for a request without a body', async () => {
    const size = await through({}, async (request) => (await request.arrayBuffer()).byteLength);
    expect(size).toBe(0);
  });

  it('goes through a real Request once the body stream was made', async () => {
    const text = await through({ method: 'POST', body: 'abc' }, async (request) => {
      expect(request.body).not.toBeNull();
      return new TextDecoder().decode(await request.arrayBuffer());
    });
    expect(text).toBe('abc');
  });
});
