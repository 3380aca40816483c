import { randomHex } from '../hex.js';
import type { ByteRange } from './range.js';

export interface MultipartByterangesOptions {
  ranges: ByteRange[];
  size: number;
  /** The stored type of the file, repeated in every part. */
  contentType: string;
  /** Opens one range; called lazily, one part at a time. */
  open: (range: ByteRange) => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
}

export interface MultipartByteranges {
  /** `multipart/byteranges; boundary=…` */
  contentType: string;
  /** Exact, so the response can carry Content-Length instead of being chunked. */
  contentLength: number;
  body: ReadableStream<Uint8Array>;
}

/** 32 hex digits: random, so no file can contain the delimiter by design; hex needs no quoting. */
function randomBoundary(): string {
  return randomHex(16);
}

const rangeLength = (range: ByteRange) => range.end - range.start + 1;

/**
 * A `multipart/byteranges` body (RFC 9110 §14.6) for a multi-range 206. Parts are opened only
 * as the consumer reads, so one request never holds more than one file handle and never
 * buffers a whole range; a consumer that stops reading (client gone) stops the opening too.
 */
export function multipartByteranges(options: MultipartByterangesOptions): MultipartByteranges {
  const { ranges, size, contentType, open } = options;
  if (ranges.length === 0) throw new RangeError('multipartByteranges: no ranges');
  for (const r of ranges) {
    if (
      !Number.isSafeInteger(r.start) ||
      !Number.isSafeInteger(r.end) ||
      r.start < 0 ||
      r.start > r.end ||
      r.end >= size
    )
      throw new RangeError(`multipartByteranges: range ${r.start}-${r.end} outside 0-${size - 1}`);
  }
  // A CR or LF here would let the stored type inject headers into the parts.
  if (/[\r\n]/.test(contentType)) throw new TypeError('multipartByteranges: bad content type');

  const boundary = randomBoundary();
  const encoder = new TextEncoder();
  // Encoded up front: the length must count bytes, not UTF-16 units.
  const heads = ranges.map((r) =>
    encoder.encode(
      `\r\n--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`,
    ),
  );
  const closing = encoder.encode(`\r\n--${boundary}--\r\n`);
  const contentLength =
    heads.reduce((sum, head) => sum + head.byteLength, 0) +
    ranges.reduce((sum, r) => sum + rangeLength(r), 0) +
    closing.byteLength;

  let index = 0; // the next part whose header is due
  let part: { reader: ReadableStreamDefaultReader<Uint8Array>; remaining: number } | undefined;
  let pendingOpen: ByteRange | undefined; // header sent, bytes not opened yet
  let cancelled = false;

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A pull that enqueues nothing is not repeated by the stream, so loop until something is.
        for (;;) {
          if (part) {
            const { done, value } = await part.reader.read();
            if (cancelled) return;
            if (done) {
              // A short part would make Content-Length a lie and corrupt the framing.
              if (part.remaining !== 0) throw new Error('multipartByteranges: part ended early');
              part = undefined;
              continue;
            }
            if (value.byteLength > part.remaining) {
              await part.reader.cancel();
              throw new Error('multipartByteranges: part longer than its range');
            }
            part.remaining -= value.byteLength;
            if (value.byteLength === 0) continue;
            controller.enqueue(value);
            return;
          }
          if (pendingOpen) {
            const range = pendingOpen;
            pendingOpen = undefined;
            const stream = await open(range);
            // Cancelled while the file was opening: close it rather than leak the handle.
            if (cancelled) {
              await stream.cancel();
              return;
            }
            part = { reader: stream.getReader(), remaining: rangeLength(range) };
            continue;
          }
          const head = heads[index];
          const range = ranges[index];
          if (head === undefined || range === undefined) {
            controller.enqueue(closing);
            controller.close();
            return;
          }
          index++;
          // Send the header now and open the file on the next pull, so a consumer that
          // reads only the header and leaves never opens anything.
          pendingOpen = range;
          controller.enqueue(head);
          return;
        }
      },
      async cancel(reason) {
        cancelled = true;
        const current = part;
        part = undefined;
        await current?.reader.cancel(reason);
      },
    },
    // Nothing is read ahead of the consumer: HEAD or an early abort opens no file at all.
    { highWaterMark: 0 },
  );

  return { contentType: `multipart/byteranges; boundary=${boundary}`, contentLength, body };
}
