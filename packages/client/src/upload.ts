import type { ClientInferResponses } from '@ts-rest/core';
import type { contract } from '@vodkit/contract';

export interface UploadProgress {
  /** Bytes handed to the connection so far. */
  sent: number;
  /** The file's size when known (a path, a Blob, or `size` given); undefined for a stream of unknown length. */
  total: number | undefined;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting stops reading the source and cancels the request; the server keeps nothing. */
  signal?: AbortSignal;
  /**
   * Sent as Content-Type. The server sniffs the real type from the bytes, so any `video/*`
   * works; the default comes from the Blob's type or the file name, else `video/mp4`.
   */
  contentType?: string;
  /** The length of a stream source, when known: sent as Content-Length, so an oversized file is refused at once. */
  size?: number;
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
