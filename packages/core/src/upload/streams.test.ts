import { describe, expect, it } from 'vitest';
import { drain } from '../../../../test/support/streams.js';
import { VodkitError } from '../errors/vodkit-error.js';
import { limitBytes, peek } from './streams.js';

/** A pull-based source yielding `chunks` one per pull, recording whether it was cancelled and why. */
function source(chunks: Uint8Array[]) {
  let index = 0;
  let pulls = 0;
  let cancelled: { reason: unknown } | undefined;
  let onCancel: () => void = () => {};
  const cancelledOnce = new Promise<void>((resolve) => {
    onCancel = resolve;
  });
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls += 1;
        const next = chunks[index++];
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel(reason) {
        cancelled = { reason };
        onCancel();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => cancelled, cancelledOnce, pulls: () => pulls };
}

/** `length` bytes counting up from `from`, wrapping at 256. */
const run = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) % 256);

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
};

const readAll = async (stream: ReadableStream<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  await drain(stream, chunks);
  return chunks;
};

/** Splits `data` into chunks of the given sizes (the last takes the rest). */
const split = (data: Uint8Array, ...sizes: number[]) => {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    chunks.push(data.slice(offset, offset + size));
    offset += size;
  }
  if (offset < data.byteLength) chunks.push(data.slice(offset));
  return chunks;
};

describe('peek', () => {
  const data = run(0, 300);

  for (const [label, sizes] of [
    ['one chunk', [300]],
    ['chunks ending exactly at the peek size', [30, 34]],
    ['a chunk straddling the peek size', [10, 20, 50]],
    ['one-byte chunks', Array.from({ length: 299 }, () => 1)],
    ['a first chunk larger than the peek size', [200]],
  ] as const) {
    it(`returns the head and the whole content again: ${label}`, async () => {
      const src = source(split(data, ...sizes));
      const { head, stream } = await peek(src.stream, 64);
      expect(head).toEqual(data.subarray(0, 64));
      expect(concat(await readAll(stream))).toEqual(data);
      expect(src.cancelled()).toBeUndefined();
    });
  }

  it('reads no further than it needs for the head', async () => {
    const src = source(split(data, 10, 60, 100));
    await peek(src.stream, 64);
    expect(src.pulls()).toBe(2);
  });

  it('returns a short head and the same bytes for a source shorter than the peek size', async () => {
    const short = run(7, 20);
    const { head, stream } = await peek(source(split(short, 5, 5)).stream, 64);
    expect(head).toEqual(short);
    expect(concat(await readAll(stream))).toEqual(short);
  });

  it('returns an empty head and an empty stream for an empty source', async () => {
    const { head, stream } = await peek(source([]).stream, 64);
    expect(head.byteLength).toBe(0);
    expect(await readAll(stream)).toEqual([]);
  });

  it('passes a cancel of the returned stream on to the source', async () => {
    const src = source(split(data, 64, 100));
    const { stream } = await peek(src.stream, 64);
    await stream.cancel('not a video');
    expect(src.cancelled()).toEqual({ reason: 'not a video' });
  });

  it('passes a cancel midway on to the source', async () => {
    const src = source(split(data, 64, 100, 100));
    const { stream } = await peek(src.stream, 64);
    const reader = stream.getReader();
    expect((await reader.read()).value).toEqual(data.subarray(0, 64));
    expect((await reader.read()).value).toEqual(data.subarray(64, 164));
    await reader.cancel('aborted');
    expect(src.cancelled()).toEqual({ reason: 'aborted' });
  });
});

describe('limitBytes', () => {
  it('passes a stream of exactly the limit through unchanged', async () => {
    const data = run(0, 100);
    const chunks = await readAll(limitBytes(source(split(data, 40, 40, 20)).stream, 100));
    expect(chunks.map((c) => c.byteLength)).toEqual([40, 40, 20]);
    expect(concat(chunks)).toEqual(data);
  });

  it('fails with PAYLOAD_TOO_LARGE one byte over, without passing the chunk that went over', async () => {
    const src = source(split(run(0, 101), 40, 40, 21));
    const reader = limitBytes(src.stream, 100).getReader();
    expect((await reader.read()).value?.byteLength).toBe(40);
    expect((await reader.read()).value?.byteLength).toBe(40);
    const failure = await reader.read().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(VodkitError);
    expect(failure).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    await expect(reader.read()).rejects.toBe(failure);
    // The source is not read any further.
    await src.cancelledOnce;
    expect(src.cancelled()?.reason).toBe(failure);
  });

  it('fails at once when the first chunk is already over', async () => {
    const chunks: Uint8Array[] = [];
    const stream = limitBytes(source([run(0, 11)]).stream, 10);
    await expect(
      (async () => {
        await drain(stream, chunks);
      })(),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(chunks).toEqual([]);
  });

  it('passes an empty stream', async () => {
    expect(await readAll(limitBytes(source([]).stream, 0))).toEqual([]);
  });
});
