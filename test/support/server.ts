import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVodkit, type Store, silentLogger, type Vodkit, type VodkitOptions } from '@vodkit/core';
import { busboyMultipart, fsStorage } from '@vodkit/core/node';
import { serve } from '@vodkit/host-node';
import type { StoreKind } from './stores.js';
import { testPasswords } from './stores.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>` of a real node:http server. */
  url: string;
  vodkit: Vodkit;
  store: Store;
  /** The data directory of the stream service's fsStorage; undefined without one. */
  dataDir: string | undefined;
  /** Stops the server, closes vodkit and removes the store's database (and a data dir it made). */
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<VodkitOptions> {
  /**
   * Serves the stream service over fsStorage and busboy multipart: `true` on a new
   * temporary directory removed on close, a path to share (and keep) a directory.
   * Services default to api, stream and scheduler then.
   */
  dataDir?: true | string;
}

/** vodkit on a real socket (node:http, a free port) over a new, empty store of the given kind. */
export async function startServer(kind: StoreKind, options: TestServerOptions = {}): Promise<TestServer> {
  const { dataDir: wanted, ...vodkitOptions } = options;
  const ownDir = wanted === true ? await mkdtemp(join(tmpdir(), 'vodkit-test-')) : undefined;
  const dataDir = ownDir ?? (typeof wanted === 'string' ? wanted : undefined);
  const removeDir = () => (ownDir ? rm(ownDir, { recursive: true, force: true }) : Promise.resolve());
  try {
    const { store, cleanup } = await kind.open();
    const stream = dataDir ? { storage: await fsStorage(dataDir), multipart: busboyMultipart } : {};
    const vodkit = createVodkit({
      store,
      passwords: testPasswords(),
      logger: silentLogger,
      ...stream,
      ...vodkitOptions,
    });
    const running = await serve(vodkit, { port: 0, logger: silentLogger });
    return {
      url: running.url,
      vodkit,
      store,
      dataDir,
      async close() {
        try {
          await running.close();
          await cleanup();
        } finally {
          await removeDir();
        }
      },
    };
  } catch (error) {
    await removeDir();
    throw error;
  }
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests check bodies against the contract's zod schemas
  body: any;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, with no content type added. */
  rawBody?: string | Uint8Array<ArrayBuffer>;
  session?: string;
  headers?: Record<string, string>;
}

/** One HTTP request to a test server, the JSON body parsed. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers = new Headers(options.headers);
  if (options.session) headers.set('x-session-id', options.session);
  let body: BodyInit | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Registers a user and returns its name and session token. */
export async function register(base: string, userName: string, pwd = 'correct horse battery') {
  const result = await call(base, 'POST', '/api/register', { body: { user_name: userName, pwd } });
  if (result.status !== 201) throw new Error(`register ${userName}: ${result.status} ${JSON.stringify(result.body)}`);
  return { userName, pwd, session: result.body.session_id as string };
}
