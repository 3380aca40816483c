import { VodkitError } from '../errors/vodkit-error.js';

/**
 * Reads up to `size` bytes from the front of a stream and hands back those bytes
 * together with a stream that yields the whole content again, head included.
 */
export async function peek(
  stream: ReadableStream<Uint8Array>,
  size: number,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < size) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const head = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    head.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const rest = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (head.byteLength > 0) controller.enqueue(head);
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { head: head.subarray(0, Math.min(size, head.byteLength)), stream: rest };
}

/** Passes bytes through until more than `limit` have gone by, then fails with 413. */
export function limitBytes(stream: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > limit) {
          throw new VodkitError('PAYLOAD_TOO_LARGE', { message: `Uploads are limited to ${limit} bytes.` });
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Passes a stream through, failing it with `error()` when its source yields nothing for
 * `idleMs` while it is being read. Time spent by the reader (a slow disk) does not count.
 */
export function failWhenIdle(
  stream: ReadableStream<Uint8Array>,
  idleMs: number,
  error: () => Error,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(error()), idleMs);
        });
        try {
          const { done, value } = await Promise.race([reader.read(), idle]);
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (failure) {
          reader.cancel(failure).catch(() => {});
          controller.error(failure);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
