import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { type Dispatcher, request } from 'undici';
import { parseText, type RawResult } from '../exchange.js';
import { abortReason, pieces, type UploadRequest, uploadContentType } from '../upload.js';

/** A file path, a Blob or File, bytes in memory (a Buffer), a web ReadableStream, or any async iterable of bytes (a Node Readable). */
export type NodeUploadSource = string | Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

interface OpenSource {
  chunks: AsyncIterable<Uint8Array>;
  size: number | undefined;
  type: string | undefined;
  name: string | undefined;
  close(): void;
}

// Node's web streams are async iterable; the DOM typings this package compiles against do not say so.
const iterable = (source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>) =>
  source as AsyncIterable<Uint8Array>;

/**
 * Releases a caller's source that was not read to its end (an abort, a refused upload, a
 * connection that failed): the upload owns it, and a file or generator behind it must not leak.
 */
export function release(source: NodeUploadSource): void {
  if (typeof source === 'string' || source instanceof Blob || source instanceof Uint8Array) return;
  if (source instanceof ReadableStream) {
    if (!source.locked) source.cancel().catch(() => {});
  } else if ('destroy' in source && typeof source.destroy === 'function') {
    source.destroy();
  } else if ('return' in source && typeof source.return === 'function') {
    Promise.resolve(source.return()).catch(() => {});
  }
}

async function open(source: NodeUploadSource, size: number | undefined): Promise<OpenSource> {
  if (typeof source === 'string') {
    const { size: fileSize } = await stat(source);
    const file = createReadStream(source);
    return { chunks: file, size: fileSize, type: undefined, name: basename(source), close: () => file.destroy() };
  }
  if (source instanceof Blob) {
    const name = source instanceof File ? source.name : undefined;
    return { chunks: iterable(source.stream()), size: source.size, type: source.type, name, close() {} };
  }
  if (source instanceof Uint8Array) {
    const chunks = (async function* () {
      yield source;
    })();
    return { chunks, size: source.byteLength, type: undefined, name: undefined, close() {} };
  }
  return { chunks: iterable(source), size, type: undefined, name: undefined, close: () => release(source) };
}

/**
 * Streams the source with undici.request on the client's keep-alive pool. Bytes are counted as
 * undici pulls them, and it pulls the next chunk only once the socket took the last one, so
 * progress follows the bytes sent. A known size goes out as Content-Length: the server refuses
 * an oversized file at once, without reading it, and undici stops sending when the answer comes.
 */
export async function undiciUpload(
  dispatcher: Dispatcher,
  { url, headers, source, options }: UploadRequest<NodeUploadSource>,
): Promise<RawResult> {
  const { signal, onProgress } = options;
  if (signal?.aborted) {
    release(source);
    throw abortReason(signal);
  }
  const file = await open(source, options.size);
  let sent = 0;
  async function* counted() {
    for await (const chunk of pieces(file.chunks)) {
      yield chunk;
      sent += chunk.byteLength;
      onProgress?.({ sent, total: file.size });
    }
  }
  const sentHeaders: Record<string, string> = {
    ...headers,
    'content-type': uploadContentType(options, file.type, file.name),
  };
  if (file.size !== undefined) sentHeaders['content-length'] = String(file.size);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: sentHeaders,
      body: Readable.from(counted(), { objectMode: false }),
      signal,
      dispatcher,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const one of [value ?? []].flat()) responseHeaders.append(name, one);
    }
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: responseHeaders,
      body: parseText(responseHeaders.get('content-type'), text),
    };
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw error;
  } finally {
    file.close();
  }
}
