import { createVodkit, type Store, silentLogger, type Vodkit, type VodkitOptions } from '@vodkit/core';
import { serve } from '@vodkit/host-node';
import type { StoreKind } from './stores.js';
import { testPasswords } from './stores.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>` of a real node:http server. */
  url: string;
  vodkit: Vodkit;
  store: Store;
  /** Stops the server, closes vodkit and removes the store's database. */
  close(): Promise<void>;
}

/** vodkit on a real socket (node:http, a free port) over a new, empty store of the given kind. */
export async function startServer(kind: StoreKind, options: Partial<VodkitOptions> = {}): Promise<TestServer> {
  const { store, cleanup } = await kind.open();
  const vodkit = createVodkit({ store, passwords: testPasswords(), logger: silentLogger, ...options });
  const running = await serve(vodkit, { port: 0, handleSignals: false, logger: silentLogger });
  return {
    url: running.url,
    vodkit,
    store,
    async close() {
      await running.close();
      await cleanup();
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
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
