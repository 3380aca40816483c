import { describe, expect, it, vi } from 'vitest';
import { type BytesAnswer, type FileAnswer, jsonAnswer, toResponse, utf8Length, withoutBody } from './answer.js';

/** 0, 1, 2, … 255, 0, 1, … : every byte tells where it was. */
const CONTENT = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);

/**
 * A file answer over CONTENT[start..end] whose `open` yields the range in `chunkBytes` pieces,
 * one per pull, and records how often it was opened and whether its stream was cancelled.
 */
function fileAnswer(start: number, end: number, options: { chunkBytes?: number; idleTimeoutMs?: number } = {}) {
  const chunkBytes = options.chunkBytes ?? 100;
  const seen = { opened: 0, cancelled: [] as unknown[], done: 0 };
  const answer: FileAnswer = {
    kind: 'file',
    status: 206,
    headers: {
      'content-type': 'video/mp4',
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${CONTENT.length}`,
    },
    file: { path: '/videos/v.mp4', start, end, idleTimeoutMs: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY },
    open() {
      seen.opened += 1;
      let position = start;
      return new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (position > end) return controller.close();
            const next = Math.min(position + chunkBytes, end + 1);
            controller.enqueue(CONTENT.slice(position, next));
            position = next;
          },
          cancel(reason) {
            seen.cancelled.push(reason);
          },
        },
        { highWaterMark: 0 },
      );
    },
    done: () => {
      seen.done += 1;
    },
  };
  return { answer, seen };
}

const readerOf = (response: Response) => {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('expected a body');
  return reader;
};

describe('jsonAnswer', () => {
  it('gives the JSON as UTF-8 bytes with its content type and exact byte length', () => {
    // Multi-byte characters: a length in UTF-16 code units (string.length) would be short.
    const body = { title: 'Café 日本語 🎬', tags: ['naïve', 'ß'] };
    const answer = jsonAnswer(201, body, { etag: '"1"' });
    const json = JSON.stringify(body);
    const byteLength = new TextEncoder().encode(json).byteLength;
    expect(byteLength).toBeGreaterThan(json.length);

    expect(answer.kind).toBe('bytes');
    expect(answer.status).toBe(201);
    expect(answer.headers).toEqual({
      etag: '"1"',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(byteLength),
    });
    expect(answer.body).toBe(json);
  });

  it('leaves the headers it was given as they were', () => {
    const headers = { 'cache-control': 'no-store' };
    jsonAnswer(200, { a: 1 }, headers);
    jsonAnswer(204, undefined, headers);
    expect(headers).toEqual({ 'cache-control': 'no-store' });
  });

  it('has no body, content type or length for an undefined body, and keeps the headers given', () => {
    const answer = jsonAnswer(204, undefined, { 'set-cookie': 'sid=; Max-Age=0' });
    expect(answer).toEqual({
      kind: 'bytes',
      status: 204,
      headers: { 'set-cookie': 'sid=; Max-Age=0' },
      body: undefined,
    });
    expect(jsonAnswer(204, undefined).headers).toEqual({});
  });

  it('sends null as the JSON null, not as no body', () => {
    const answer = jsonAnswer(200, null);
    expect(answer.body).toBe('null');
    expect(answer.headers['content-length']).toBe('4');
  });

  it('becomes a Response with the same status, headers and bytes', async () => {
    const response = toResponse(jsonAnswer(200, { name: 'Zoë' }, { vary: 'cookie' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // 14 characters, 15 bytes.
    expect(response.headers.get('content-length')).toBe('15');
    expect(response.headers.get('vary')).toBe('cookie');
    expect(await response.json()).toEqual({ name: 'Zoë' });
  });
});

describe('withoutBody', () => {
  it('drops the body of a bytes answer and keeps its status and headers (Content-Length too)', async () => {
    const answer = jsonAnswer(200, { a: 'b' }, { etag: '"e"' });
    const head = await withoutBody(answer);
    expect(head).not.toBeInstanceOf(Response);
    const bytes = head as BytesAnswer;
    expect(bytes.kind).toBe('bytes');
    expect(bytes.status).toBe(200);
    expect(bytes.body).toBeUndefined();
    expect(bytes.headers).toEqual(answer.headers);
    expect(toResponse(bytes).body).toBeNull();
  });

  it('drops the file of a file answer without opening it, and keeps its status and headers', async () => {
    const { answer, seen } = fileAnswer(100, 199);
    const head = (await withoutBody(answer)) as BytesAnswer;
    expect(head).toEqual({ kind: 'bytes', status: 206, headers: answer.headers, body: undefined });
    expect(seen.opened).toBe(0);
  });

  it('cancels the body of a Response and keeps its status, status text and headers', async () => {
    const cancelled: unknown[] = [];
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(8)),
      cancel: (reason) => {
        cancelled.push(reason);
      },
    });
    const response = new Response(body, {
      status: 206,
      statusText: 'Partial Content',
      headers: { 'content-type': 'multipart/byteranges; boundary=x', 'content-length': '123' },
    });
    const head = await withoutBody(response);
    expect(head).toBeInstanceOf(Response);
    const headResponse = head as Response;
    expect(cancelled).toHaveLength(1);
    expect(headResponse.body).toBeNull();
    expect(headResponse.status).toBe(206);
    expect(headResponse.statusText).toBe('Partial Content');
    expect(Object.fromEntries(headResponse.headers)).toEqual({
      'content-type': 'multipart/byteranges; boundary=x',
      'content-length': '123',
    });
  });

  it('takes a Response without a body', async () => {
    const head = (await withoutBody(new Response(null, { status: 304, headers: { etag: '"x"' } }))) as Response;
    expect(head.status).toBe(304);
    expect(head.headers.get('etag')).toBe('"x"');
    expect(head.body).toBeNull();
  });
});

describe('toResponse', () => {
  it('gives a Response back as it is', () => {
    const response = new Response('x');
    expect(toResponse(response)).toBe(response);
  });

  it("streams a file answer's range byte for byte and calls done once, when the last byte is read", async () => {
    const { answer, seen } = fileAnswer(150, 849, { chunkBytes: 128 });
    const response = toResponse(answer);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 150-849/1000');
    expect(response.headers.get('content-length')).toBe('700');
    // Nothing is opened before the body is read.
    expect(seen.opened).toBe(0);

    const reader = readerOf(response);
    const received: number[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Still sending: the stream token is held.
      expect(seen.done).toBe(0);
      received.push(...value);
    }
    expect(Uint8Array.from(received)).toEqual(CONTENT.slice(150, 850));
    expect(seen.opened).toBe(1);
    expect(seen.done).toBe(1);
    await reader.cancel('late');
    expect(seen.done).toBe(1);
  });

  it('calls done once when read whole through arrayBuffer()', async () => {
    const { answer, seen } = fileAnswer(0, 999);
    expect(new Uint8Array(await toResponse(answer).arrayBuffer())).toEqual(CONTENT);
    expect(seen.done).toBe(1);
  });

  it('streams a one-byte range', async () => {
    const { answer, seen } = fileAnswer(999, 999);
    expect(new Uint8Array(await toResponse(answer).arrayBuffer())).toEqual(Uint8Array.of(999 % 256));
    expect(seen.done).toBe(1);
  });

  it('calls done once when cancelled unread, and never opens the file', async () => {
    const { answer, seen } = fileAnswer(0, 999);
    const response = toResponse(answer);
    await response.body?.cancel('client went away');
    expect(seen.done).toBe(1);
    expect(seen.opened).toBe(0);
    await response.body?.cancel('again');
    expect(seen.done).toBe(1);
  });

  it('calls done once when cancelled midway, and cancels the file stream', async () => {
    const { answer, seen } = fileAnswer(0, 999);
    const reader = readerOf(toResponse(answer));
    expect((await reader.read()).value).toEqual(CONTENT.slice(0, 100));
    expect(seen.done).toBe(0);
    await reader.cancel('aborted');
    await reader.cancel('again');
    expect(seen.done).toBe(1);
    expect(seen.cancelled).toEqual(['aborted']);
  });

  it('calls done once when the file stream fails, and the reader sees the failure', async () => {
    const failure = new Error('EIO');
    const { answer, seen } = fileAnswer(0, 999);
    const failing: FileAnswer = {
      ...answer,
      open: () =>
        new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(failure) }, { highWaterMark: 0 }),
    };
    const reader = readerOf(toResponse(failing));
    await expect(reader.read()).rejects.toBe(failure);
    expect(seen.done).toBe(1);
  });

  it("calls done once when the reader stops pulling for the file's idle timeout, and fails the body", async () => {
    vi.useFakeTimers();
    try {
      const { answer, seen } = fileAnswer(0, 999, { idleTimeoutMs: 5_000 });
      const reader = readerOf(toResponse(answer));
      expect((await reader.read()).value).toEqual(CONTENT.slice(0, 100));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(seen.done).toBe(0);
      // A read in time starts the wait again.
      expect((await reader.read()).value).toEqual(CONTENT.slice(100, 200));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(seen.done).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(seen.done).toBe(1);
      expect(seen.cancelled).toHaveLength(1);
      await expect(reader.read()).rejects.toThrow(/5000 ms/);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(seen.done).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('utf8Length', () => {
  it('counts what TextEncoder writes, for every kind of character', () => {
    const samples = [
      '',
      'plain ascii',
      'héllo',
      '€ and ✓',
      '😀 emoji and 𝄞',
      'lone \ud800 high',
      'lone \udc00 low',
      'end \ud83d',
    ];
    // And random UTF-16 code units, surrogates included.
    for (let n = 0; n < 200; n++) {
      samples.push(String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(Math.random() * 0x10000))));
    }
    const encoder = new TextEncoder();
    for (const text of samples) expect(utf8Length(text)).toBe(encoder.encode(text).byteLength);
  });
});
