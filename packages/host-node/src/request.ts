import type { IncomingMessage } from 'node:http';
import { hostOf } from './host-header.js';

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

/** How a body fails when its client goes before its end, as with Readable.toWeb. */
const clientGone = () => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });

const hasBody = (req: IncomingMessage) =>
  req.method !== 'GET' &&
  req.method !== 'HEAD' &&
  (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);

/**
 * Bytes of a request body read ahead of its reader: enough for the disk to take large writes
 * while the next bytes arrive, where a small buffer makes an upload wait for every write.
 */
const BODY_BUFFER_BYTES = 1024 * 1024;

/**
 * The request body as a web stream, paced by its reader (the socket is paused while
 * the stream's queue is full). Node's own Readable.toWeb is not used: once its stream
 * is cancelled (an upload refused after its first bytes) it still enqueues the data
 * that keeps arriving, and that throws "Controller is already closed" as an uncaught
 * exception, which would take the process down.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  /**
   * Why the body failed while bytes it brought were still queued: they are read first, and the
   * failure comes after them (a resumable upload keeps every byte that arrived).
   */
  let failure: { error: Error } | undefined;
  const failWhenDrained = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (failure && controller.desiredSize === BODY_BUFFER_BYTES) controller.error(failure.error);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (done) return;
          done = true;
          controller.close();
        });
        const fail = (error: Error) => {
          if (done) return;
          done = true;
          failure = { error };
          failWhenDrained(controller);
        };
        req.once('error', fail);
        // A client gone before the end of its body: the body fails, as with Readable.toWeb.
        // Made only when it counts: 'close' comes after every request, and an Error costs its stack.
        const aborted = () => {
          if (!done) fail(clientGone());
        };
        req.once('close', aborted);
        // The body is made on first use: its client may be gone already.
        if (req.destroyed) aborted();
        else req.pause();
      },
      pull(controller) {
        // Called again after each read while the queue is below its mark: the last one fails it.
        if (failure) failWhenDrained(controller);
        else req.resume();
      },
      // The rest of the body is read and dropped: destroying the request would cut the
      // socket before the answer (a 400, a 413) is written. The listener closes the
      // connection once that answer is out, which ends the reading.
      cancel() {
        done = true;
        req.resume();
      },
    },
    { highWaterMark: BODY_BUFFER_BYTES, size: (chunk) => chunk.byteLength },
  );
}

/** A whole request body, straight from node:http; fails as the body stream does when the client goes. */
function readAll(req: IncomingMessage): Promise<ArrayBuffer> {
  if (!hasBody(req)) return Promise.resolve(new ArrayBuffer(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const whole = Buffer.concat(chunks);
      // Its own ArrayBuffer: a small Buffer may sit in a slab shared with others.
      resolve(whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as ArrayBuffer);
    });
    req.once('error', reject);
    const aborted = () => {
      if (!req.complete) reject(clientGone());
    };
    req.once('close', aborted);
    if (req.destroyed) aborted();
  });
}

const materialise = Symbol('vodkit.materialise');

/**
 * A web Request over a node:http request whose parts are made on first use: routing a GET
 * reads the method and the URL, and never pays for a Headers, an AbortSignal or a body stream
 * it does not touch. Everything else a Request has comes from a real one, built when first
 * asked for from these same parts.
 */
class NodeRequest {
  readonly #req: IncomingMessage;
  readonly url: string;
  #headers: Headers | undefined;
  #body: ReadableStream<Uint8Array> | null | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  /** The body was read whole by `arrayBuffer()`, with no stream made of it. */
  #read = false;
  #real: Request | undefined;

  constructor(req: IncomingMessage, url: string) {
    this.#req = req;
    this.url = url;
  }

  get method(): string {
    return this.#req.method ?? 'GET';
  }

  get headers(): Headers {
    this.#headers ??= toHeaders(this.#req.rawHeaders);
    return this.#headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    // Once there is a real Request, the body is its own (after clone(), a branch of the tee).
    if (this.#real) return this.#real.body;
    if (this.#read) throw new TypeError('The body was read already.');
    if (this.#body === undefined) this.#body = hasBody(this.#req) ? bodyOf(this.#req) : null;
    return this.#body;
  }

  /** Read, or being read, through `body`: a real Request could no longer be made of it. */
  get bodyUsed(): boolean {
    return this.#read || (this.#real ? this.#real.bodyUsed : (this.#body?.locked ?? false));
  }

  /**
   * The whole body, read straight from the socket: a small JSON body does not pay for a web
   * stream. Once anything else has touched the body, a real Request reads it.
   */
  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real || this.#body !== undefined || this.#read) {
      try {
        return Request.prototype.arrayBuffer.call(this[materialise]());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#read = true;
    return readAll(this.#req);
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** The client went away: the signal aborts, now or when it is made. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort();
  }

  [materialise](): Request {
    if (!this.#real) {
      if (this.#read) throw new TypeError('The body was read already.');
      const init: RequestInit & { duplex?: 'half' } = {
        method: this.method,
        headers: this.headers,
        signal: this.signal,
      };
      const body = this.body;
      if (body) {
        init.body = body;
        init.duplex = 'half';
      }
      this.#real = new Request(this.url, init);
    }
    return this.#real;
  }
}

// Every other member of Request (text(), json(), clone(), cache, …) is the real one's.
for (const key of Reflect.ownKeys(Request.prototype)) {
  if (key === 'constructor' || key in NodeRequest.prototype) continue;
  const descriptor = Reflect.getOwnPropertyDescriptor(Request.prototype, key);
  if (!descriptor) continue;
  if (typeof descriptor.value === 'function') {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    // The body readers answer a body already read with a rejected promise, as a Request does.
    const settles = key !== 'clone';
    Object.defineProperty(NodeRequest.prototype, key, {
      value(this: NodeRequest, ...args: unknown[]) {
        let real: Request;
        try {
          real = this[materialise]();
        } catch (error) {
          if (settles) return Promise.reject(error);
          throw error;
        }
        return method.apply(real, args);
      },
    });
  } else if (descriptor.get) {
    const get = descriptor.get;
    Object.defineProperty(NodeRequest.prototype, key, {
      get(this: NodeRequest) {
        return get.call(this[materialise]());
      },
    });
  }
}
Object.setPrototypeOf(NodeRequest.prototype, Request.prototype);

/** A request as the listener hands it on: a Request, which it aborts when the client goes. */
export type IncomingRequest = Request & { abort(): void };

/** An origin-form target that URL parsing would leave as it is. */
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@%/?]*$/;

/**
 * `http://` and the host as a URL writes it (lower case, no default port), for hosts seen lately:
 * nearly every request names one of a few. Bounded, oldest out.
 */
const origins = new Map<string, string>();
const ORIGINS_MAX = 256;
const originOf = (host: string) => {
  let origin = origins.get(host);
  if (origin === undefined) {
    origin = new URL(`http://${host}`).origin;
    if (origins.size >= ORIGINS_MAX) origins.delete(origins.keys().next().value as string);
    origins.set(host, origin);
  }
  return origin;
};

/**
 * The Request for a node:http request: `signal` aborts once `abort()` is called (the client
 * went away). Throws a VodkitError for a missing or bad Host. The path is checked by vodkit
 * itself, from the raw target the listener passes along.
 */
export function toRequest(req: IncomingMessage): IncomingRequest {
  const host = hostOf(req);
  const target = req.url ?? '/';
  // A target in origin-form is a path: resolved against a base, "//x/api/..." would make
  // "x" the host and route as "/api/...", so it is appended to the origin instead. Made of
  // characters URL parsing keeps as they are, it is the URL's tail already.
  const url = PLAIN_TARGET.test(target)
    ? originOf(host) + target
    : target.startsWith('/')
      ? new URL(`http://${host}${target}`).href
      : new URL(target, `http://${host}`).href;
  return new NodeRequest(req, url) as unknown as IncomingRequest;
}

/** A real web Request with the same parts, for handlers that may hand the request on to anything. */
export const realRequest = (request: IncomingRequest): Request => (request as unknown as NodeRequest)[materialise]();
