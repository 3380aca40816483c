import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer, type TestServer, type TestServerOptions } from '../../../../test/support/server.js';
import type { StoreKind } from '../../../../test/support/stores.js';
import { type Answer, exchange } from './http.js';

export { eventually, filesIn, mp4Bytes, oggBytes, webmBytes } from '../../../../test/support/files.js';

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

/** A multipart/form-data body with the given parts; a part with `filename` is a file. */
export function multipartBody(parts: { name: string; filename?: string; type?: string; data: Uint8Array | string }[]) {
  const boundary = `----vodkit${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`;
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
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

/** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
export function parseByteranges(contentType: string, body: Buffer) {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may come with or without its leading CRLF (RFC 2046 §5.1.1).
  const text = body.subarray(0, 2).toString() === '\r\n' ? body : Buffer.concat([Buffer.from('\r\n'), body]);
  const parts: { contentType: string | undefined; contentRange: string | undefined; bytes: Buffer }[] = [];
  let at = text.indexOf(delimiter);
  expect(at).toBe(0);
  for (;;) {
    const after = at + delimiter.length;
    if (text.subarray(after, after + 2).toString() === '--') break;
    const headEnd = text.indexOf('\r\n\r\n', after);
    const head = text.subarray(after + 2, headEnd).toString('latin1');
    const next = text.indexOf(delimiter, headEnd + 4);
    if (next < 0) throw new Error('multipart/byteranges without its closing delimiter');
    const headers = new Map(
      head.split('\r\n').map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
    );
    parts.push({
      contentType: headers.get('content-type'),
      contentRange: headers.get('content-range'),
      bytes: text.subarray(headEnd + 4, next),
    });
    at = next;
  }
  return parts;
}

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
