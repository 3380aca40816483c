import type { ClientInferResponses } from '@ts-rest/core';
import type { contract } from '@vodkit/contract';

export interface UploadProgress {
  /** Bytes handed to the connection so far. */
  sent: number;
  /** The file's size when known (a path, a Blob, or `size` given); undefined for a stream of unknown length. */
  total: number | undefined;
}

export interface UploadOptions {
  /**
   * Bytes sent so far. Resumable uploads report only growth: bytes sent again after a retry are
   * not reported twice, and a resumed upload starts at the bytes the server already has.
   */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Aborting stops reading the source and cancels the request, and the promise rejects with the
   * signal's reason. A one-shot upload leaves nothing on the server; a resumable one keeps the
   * bytes the server received (until it expires, 24 h by default), so a later `upload(…, {
   * resumable: true })` of the same file to the same video resumes there.
   */
  signal?: AbortSignal;
  /**
   * Sent as Content-Type (resumable: as the `filetype` metadata). The server sniffs the real type
   * from the bytes, so any `video/*` works; the default comes from the Blob's type or the file
   * name, else `video/mp4`.
   */
  contentType?: string;
  /**
   * The length of a stream source, when known: sent as Content-Length, so an oversized file is
   * refused at once. A resumable upload of a stream needs it (tus declares the length first).
   */
  size?: number;
  /**
   * Upload with tus 1.0 (tus-js-client) in chunks that survive a failed connection: each chunk is
   * retried, and an aborted or failed upload resumes later from the last byte the server has.
   * Its requests go through tus-js-client's own HTTP stack (XMLHttpRequest in browsers,
   * node:http in Node), never through the client's `fetch` option.
   */
  resumable?: boolean;
  /** Resumable only: the most bytes one PATCH request carries. Default 8 MiB. */
  chunkSize?: number;
  /**
   * Resumable only: the waits in ms before each retry of a failed request (a connection that
   * failed, 408, 409 offset mismatch or lock, 423, 5xx but 507); after the last one the upload
   * fails. The count starts again once a retry makes progress. Default
   * `[0, 1000, 3000, 5000, 10000, 20000]`; `[]` never retries.
   */
  retryDelays?: number[];
  /**
   * Resumable only: where the URLs of unfinished uploads are kept, by fingerprint of the video and
   * the file, so a later upload of the same file resumes. Default: `localStorage` in browsers
   * (through a page reload), an in-memory store of the client in Node (in the same process).
   */
  urlStorage?: ResumableUrlStorage;
}

/** An unfinished resumable upload as a URL storage keeps it (tus-js-client's `PreviousUpload`). */
export interface StoredUpload {
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
  uploadUrl?: string | null;
  parallelUploadUrls?: string[] | null;
  /** Set by the storage when it hands the upload back: what `removeUpload` takes. */
  urlStorageKey?: string;
}

/**
 * tus-js-client's URL storage interface: tus-js-client's `FileUrlStorage` (Node, a JSON file)
 * fits, and so does anything with these four methods.
 */
export interface ResumableUrlStorage {
  findAllUploads(): Promise<StoredUpload[]>;
  findUploadsByFingerprint(fingerprint: string): Promise<StoredUpload[]>;
  removeUpload(urlStorageKey: string): Promise<void>;
  /** Keeps the upload under the fingerprint; resolves to its key. */
  addUpload(fingerprint: string, upload: StoredUpload): Promise<string>;
}

/** The upload route's results, keyed by status like every other route. */
export type UploadResult = ClientInferResponses<typeof contract.stream.uploadVideo>;

/** What a transport needs to send one upload. */
export interface UploadRequest<Source> {
  url: string;
  headers: Record<string, string>;
  source: Source;
  options: UploadOptions;
}

const videoTypes: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  ogv: 'video/ogg',
  ogg: 'video/ogg',
};

/** The Content-Type to declare: given, the Blob's own video type, by file extension, or `video/mp4`. */
export function uploadContentType(options: UploadOptions, type?: string, name?: string): string {
  if (options.contentType) return options.contentType;
  if (type?.startsWith('video/')) return type;
  const extension = name?.split('.').pop()?.toLowerCase();
  return (extension && videoTypes[extension]) || 'video/mp4';
}

/** Progress comes per piece: a Blob or file may arrive in one large chunk. */
export const PIECE_BYTES = 64 * 1024;

/** Splits chunks into pieces of at most PIECE_BYTES. */
export async function* pieces(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; at += PIECE_BYTES) yield chunk.subarray(at, at + PIECE_BYTES);
  }
}

/**
 * Counts bytes as the consumer pulls them, one piece at a time, so progress follows what was
 * actually sent rather than what was read ahead. `stop()` cancels the source: once the server
 * has answered, the rest of it is of no use.
 */
export function countingStream(
  source: ReadableStream<Uint8Array>,
  total: number | undefined,
  onProgress: UploadOptions['onProgress'],
): { stream: ReadableStream<Uint8Array>; stop(): void } {
  const reader = source.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  let sent = 0;
  let stopped = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (rest.byteLength === 0) {
          const { done, value } = await reader.read();
          if (done || stopped) {
            controller.close();
            return;
          }
          rest = value;
        }
        const piece = rest.subarray(0, PIECE_BYTES);
        rest = rest.subarray(PIECE_BYTES);
        controller.enqueue(piece);
        sent += piece.byteLength;
        onProgress?.({ sent, total });
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  const stop = () => {
    if (stopped) return;
    stopped = true;
    reader.cancel().catch(() => {});
  };
  return { stream, stop };
}

/** The reason an aborted signal carries, as fetch would throw it. */
export const abortReason = (signal: AbortSignal | undefined): unknown =>
  signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');

/** Headers as XMLHttpRequest's `getAllResponseHeaders()` writes them. */
export function parseHeaders(raw: string): Headers {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}
