import { afterAll, beforeAll } from 'vitest';
import { multipartBody } from '../../../../test/support/files.js';
import { startServer, type TestServer, type TestServerOptions } from '../../../../test/support/server.js';
import type { StoreKind } from '../../../../test/support/stores.js';
import { type Answer, exchange } from './http.js';

export {
  eventually,
  filesIn,
  mp4Bytes,
  multipartBody,
  oggBytes,
  parseByteranges,
  webmBytes,
} from '../../../../test/support/files.js';

/** What a request answered, bytes kept as they came; `json` is the parsed body when it is JSON. */
export interface BinaryAnswer extends Answer {
  bytes: Buffer;
}

export interface FetchBytesOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  chunked?: boolean;
}

/** One request over node:http (see `exchange`), the body kept as bytes (and parsed when it is JSON). */
export async function fetchBytes(base: string, path: string, options: FetchBytesOptions = {}): Promise<BinaryAnswer> {
  const { status, headers, bytes } = await exchange(base, { ...options, path });
  let body: unknown;
  if (bytes.length > 0 && headers.get('content-type')?.startsWith('application/json')) {
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new Error(`${status} with a JSON content type and a body that is not JSON`);
    }
  }
  return { status, headers, body, bytes };
}

/** Uploads `bytes` as a raw body of `type` (default video/mp4). */
export const uploadRaw = (
  base: string,
  vid: string,
  session: string | undefined,
  bytes: Uint8Array,
  type = 'video/mp4',
) =>
  fetchBytes(base, `/upload/videos/${vid}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(session ? { 'x-session-id': session } : {}) },
    body: bytes,
  });

/** Uploads `bytes` as the `file` field of a multipart/form-data body. */
export const uploadMultipart = (base: string, vid: string, session: string, bytes: Uint8Array) => {
  const form = multipartBody([
    { name: 'title', data: 'ignored' },
    { name: 'file', filename: 'clip.mp4', type: 'application/octet-stream', data: bytes },
  ]);
  return fetchBytes(base, `/upload/videos/${vid}`, {
    method: 'POST',
    headers: { 'content-type': form.contentType, 'x-session-id': session },
    body: form.body,
  });
};

/** The running stream server's fields, set in beforeAll; dataDir always present. */
export type StreamServed = Omit<TestServer, 'close' | 'dataDir'> & { dataDir: string };

/** useServer with the stream service on a temporary data dir. */
export function useStreamServer(kind: StoreKind, options: TestServerOptions = {}): StreamServed {
  const served = {} as StreamServed;
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, { dataDir: true, ...options });
    Object.assign(served, { url: server.url, vodkit: server.vodkit, store: server.store, dataDir: server.dataDir });
  });
  afterAll(() => server.close());
  return served;
}
