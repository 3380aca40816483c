import { createReadStream, ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { FileReader as TusFileReader, FileSource as TusFileSource } from 'tus-js-client';
import type { ResumableUrlStorage, UploadOptions } from '../upload.js';
import {
  blobFingerprint,
  sampleFingerprint,
  streamSize,
  type TusInput,
  type TusModule,
  type TusPlatform,
} from '../upload-tus.js';
import { type NodeUploadSource, release } from './upload-undici.js';

/**
 * tus-js-client's Node build, as Node resolves the package (its `main`). Loaded on the first
 * resumable upload: it brings proper-lockfile and graceful-fs, which patches `fs.close`.
 */
const loadTus = (): Promise<TusModule> => import('tus-js-client');

/**
 * Resumable uploads in Node. tus-js-client's Node build reads a Buffer, an fs.ReadStream with a
 * path (each chunk read from the file again, so a retry or a resume re-reads it from disk) or a
 * Readable (one chunk buffered, to be sent again if need be). So: a path becomes an fs.ReadStream;
 * a Uint8Array a Buffer on the same memory; a Blob is read one chunk at a time by a reader of
 * ours; a web stream or an async iterable becomes a Readable, with its length from `size`.
 */
export function nodeTusPlatform(urlStorage: ResumableUrlStorage): TusPlatform<NodeUploadSource> {
  return {
    load: loadTus,
    open,
    release,
    fileReader: (tus) =>
      ({
        openFile: (input: unknown, chunkSize: number) =>
          input instanceof Blob
            ? Promise.resolve(blobSource(input))
            : tus.defaultOptions.fileReader.openFile(input, chunkSize),
      }) satisfies TusFileReader,
    urlStorage: () => urlStorage,
  };
}

async function open(source: NodeUploadSource, options: UploadOptions): Promise<TusInput> {
  if (typeof source === 'string') {
    // Stat first: a missing file rejects here, as the one-shot upload does, and not as an
    // unhandled 'error' of the stream.
    const file = await stat(source);
    if (!file.isFile()) throw new TypeError(`Not a file: ${source}`);
    const stream = createReadStream(source);
    stream.on('error', () => {});
    return {
      file: stream,
      fingerprint: `path-${encodeURIComponent(resolve(source))}-${file.size}-${file.mtimeMs}`,
      name: basename(source),
      close: () => stream.destroy(),
    };
  }
  if (source instanceof ReadStream && source.path != null) {
    const path = source.path.toString();
    const file = await stat(path);
    const { start = 0, end = Number.POSITIVE_INFINITY } = source as ReadStream & { start?: number; end?: number };
    return {
      file: source,
      fingerprint: `path-${encodeURIComponent(resolve(path))}-${start}-${end}-${file.size}-${file.mtimeMs}`,
      name: basename(path),
      close: () => source.destroy(),
    };
  }
  if (source instanceof Blob) {
    const name = source instanceof File ? source.name : undefined;
    return { file: source, fingerprint: await blobFingerprint(source), name, type: source.type, close() {} };
  }
  if (source instanceof Uint8Array) {
    const file = Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return { file, fingerprint: await sampleFingerprint(source), close() {} };
  }
  const size = streamSize(options.size);
  // Not in object mode whatever the source's mode: tus-js-client reads `read(n)` bytes at a time.
  const stream = Readable.from(source as AsyncIterable<Uint8Array>, { objectMode: false });
  return {
    file: stream,
    size,
    // A stream cannot be read again: it resumes within the call (retries), not in a later one.
    fingerprint: null,
    close: () => {
      stream.destroy();
      release(source);
    },
  };
}

/** A Blob read one chunk at a time into a Buffer, the body tus-js-client's Node HTTP stack sends with progress. */
function blobSource(blob: Blob): TusFileSource {
  return {
    size: blob.size,
    async slice(start, end) {
      const value = Buffer.from(await blob.slice(start, end).arrayBuffer());
      // tus-js-client takes a chunk's length from `size` (its Content-Length, and the new offset).
      return { value: Object.assign(value, { size: value.byteLength }), done: end >= blob.size };
    },
    close() {},
  };
}
