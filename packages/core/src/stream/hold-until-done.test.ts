import { describe, expect, it, vi } from 'vitest';
import { holdUntilDone } from './hold-until-done.js';

const bytes = (...values: number[]) => new Uint8Array(values);

/** A source that yields `chunks` one per pull, optionally failing after them, and records cancels. */
function source(chunks: Uint8Array[], options: { failWith?: Error } = {}) {
  const cancelled: unknown[] = [];
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks[pulls];
        pulls += 1;
        if (next) controller.enqueue(next);
        else if (options.failWith) controller.error(options.failWith);
        else controller.close();
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled, pulls: () => pulls };
}

describe('holdUntilDone', () => {
  it('calls done exactly once, after the body has been read to the end', async () => {
    const { stream } = source([bytes(1, 2), bytes(3), bytes(4, 5, 6)]);
    const done = vi.fn();
    const held = holdUntilDone(new Response(stream), done);
    const reader = held.body?.getReader();
    if (!reader) throw new Error('expected a body');

    const seen: number[] = [];
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      // Not before the last byte has gone.
      expect(done).not.toHaveBeenCalled();
      seen.push(...value);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(done).toHaveBeenCalledTimes(1);
    await reader.cancel('late');
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('calls done once when read through Response helpers', async () => {
    const { stream } = source([bytes(104, 105)]);
    const done = vi.fn();
    expect(await holdUntilDone(new Response(stream), done).text()).toBe('hi');
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('calls done once when cancelled before any read, and cancels the source unread', async () => {
    const src = source([bytes(1), bytes(2)]);
    const done = vi.fn();
    const held = holdUntilDone(new Response(src.stream), done);
    expect(done).not.toHaveBeenCalled();

    await held.body?.cancel('client went away');
    expect(done).toHaveBeenCalledTimes(1);
    expect(src.cancelled).toEqual(['client went away']);
    expect(src.pulls()).toBe(0);
  });

  it('calls done once when cancelled midway', async () => {
    const src = source([bytes(1), bytes(2), bytes(3)]);
    const done = vi.fn();
    const reader = holdUntilDone(new Response(src.stream), done).body?.getReader();
    if (!reader) throw new Error('expected a body');
    expect((await reader.read()).value).toEqual(bytes(1));
    expect(done).not.toHaveBeenCalled();

    await reader.cancel('aborted');
    await reader.cancel('again');
    expect(done).toHaveBeenCalledTimes(1);
    expect(src.cancelled).toEqual(['aborted']);
  });

  it('calls done once when the source fails midway, and the reader sees the error', async () => {
    const failure = new Error('disk went away');
    const src = source([bytes(1), bytes(2)], { failWith: failure });
    const done = vi.fn();
    const reader = holdUntilDone(new Response(src.stream), done).body?.getReader();
    if (!reader) throw new Error('expected a body');

    expect((await reader.read()).value).toEqual(bytes(1));
    expect((await reader.read()).value).toEqual(bytes(2));
    expect(done).not.toHaveBeenCalled();
    await expect(reader.read()).rejects.toBe(failure);
    expect(done).toHaveBeenCalledTimes(1);
    await expect(reader.closed).rejects.toBe(failure);
    await reader.cancel('after the error').catch(() => {});
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('calls done at once for a response without a body', () => {
    const done = vi.fn();
    const response = new Response(null, { status: 304, headers: { etag: '"x"' } });
    const held = holdUntilDone(response, done);
    expect(done).toHaveBeenCalledTimes(1);
    expect(held.status).toBe(304);
    expect(held.headers.get('etag')).toBe('"x"');
    expect(held.body).toBeNull();
  });

  it('keeps the status, status text and headers', async () => {
    const { stream } = source([bytes(1, 2, 3)]);
    const response = new Response(stream, {
      status: 206,
      statusText: 'Partial Content',
      headers: { 'content-range': 'bytes 0-2/10', 'content-type': 'video/mp4', 'accept-ranges': 'bytes' },
    });
    const held = holdUntilDone(response, () => {});
    expect(held.status).toBe(206);
    expect(held.statusText).toBe('Partial Content');
    expect(Object.fromEntries(held.headers)).toEqual({
      'content-range': 'bytes 0-2/10',
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
    });
    expect(new Uint8Array(await held.arrayBuffer())).toEqual(bytes(1, 2, 3));
  });

  it('counts a body its reader stops pulling for idleMs as over: done, source cancelled, body failed', async () => {
    vi.useFakeTimers();
    try {
      const src = source([bytes(1), bytes(2), bytes(3)]);
      const done = vi.fn();
      const held = holdUntilDone(new Response(src.stream), done, 1000);
      const reader = held.body?.getReader();
      if (!reader) throw new Error('expected a body');
      expect((await reader.read()).value).toEqual(bytes(1));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).not.toHaveBeenCalled();
      // A pull in time keeps it going; then the reader stops.
      expect((await reader.read()).value).toEqual(bytes(2));
      await vi.advanceTimersByTimeAsync(1000);
      expect(done).toHaveBeenCalledTimes(1);
      expect(src.cancelled).toHaveLength(1);
      await expect(reader.read()).rejects.toThrow(/read nothing for 1000 ms/);
    } finally {
      vi.useRealTimers();
    }
  });
});
