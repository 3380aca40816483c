import { describe, expect, it } from 'vitest';
import { type MultipartByterangesOptions, multipartByteranges } from './byteranges.js';
import type { ByteRange } from './range.js';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256);

/** A fake file: records opens and cancels, serves the range in small chunks. */
function fakeFile(data = FILE, chunk = 64) {
  const log: string[] = [];
  const open = (range: ByteRange) => {
    log.push(`open ${range.start}-${range.end}`);
    let at = range.start;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (at > range.end) return controller.close();
          const next = Math.min(at + chunk, range.end + 1);
          controller.enqueue(data.slice(at, next));
          at = next;
        },
        cancel: () => void log.push(`cancel ${range.start}-${range.end}`),
      },
      { highWaterMark: 0 },
    );
  };
  return { log, open };
}

/** A part served in one chunk, whatever its length. */
const streamOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });

async function collect(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Parses a multipart/byteranges body independently of the writer: headers and raw bytes per part. */
function parse(body: Uint8Array, contentType: string) {
  const boundary = /^multipart\/byteranges; boundary=([0-9a-f]{32})$/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`bad content type ${contentType}`);
  const text = new TextDecoder('latin1').decode(body); // one char per byte, so offsets are byte offsets
  const delimiter = `\r\n--${boundary}`;
  expect(text.endsWith(`${delimiter}--\r\n`)).toBe(true);
  const chunks = text.slice(0, -`${delimiter}--\r\n`.length).split(delimiter);
  expect(chunks.shift()).toBe(''); // nothing before the first delimiter
  let offset = 0;
  return chunks.map((chunk) => {
    offset += delimiter.length;
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const headers = chunk.slice(2, headerEnd).split('\r\n');
    const start = offset + headerEnd + 4;
    offset += chunk.length;
    return { headers, bytes: body.slice(start, offset) };
  });
}

/** Two ten-byte parts of FILE, 0-9 and 20-29. */
const TWO_RANGES: ByteRange[] = [
  { start: 0, end: 9 },
  { start: 20, end: 29 },
];

/** A body of FILE's ranges (two ten-byte parts unless given), of type video/mp4. */
const mp4Body = (open: MultipartByterangesOptions['open'], ranges = TWO_RANGES) =>
  multipartByteranges({ ranges, size: 1000, contentType: 'video/mp4', open });

describe('multipartByteranges', () => {
  it('produces parts that parse back to the requested bytes, with an exact length', async () => {
    const file = fakeFile();
    const ranges = [
      { start: 0, end: 99 },
      { start: 500, end: 500 },
      { start: 900, end: 999 },
      { start: 10, end: 19 },
    ];
    const mp = mp4Body(file.open, ranges);
    const body = await collect(mp.body);
    expect(mp.contentLength).toBe(body.byteLength);
    const parts = parse(body, mp.contentType);
    expect(parts.map((p) => p.headers)).toEqual(
      ranges.map((r) => ['Content-Type: video/mp4', `Content-Range: bytes ${r.start}-${r.end}/1000`]),
    );
    parts.forEach((part, i) => {
      const r = ranges[i] as ByteRange;
      expect(part.bytes).toEqual(FILE.slice(r.start, r.end + 1));
    });
    expect(file.log).toEqual(['open 0-99', 'open 500-500', 'open 900-999', 'open 10-19']);
  });

  it('writes the exact framing', async () => {
    const mp = multipartByteranges({
      ranges: [
        { start: 0, end: 1 },
        { start: 4, end: 4 },
      ],
      size: 5,
      contentType: 'video/webm',
      open: (r) => streamOf(new TextEncoder().encode('abcde').slice(r.start, r.end + 1)),
    });
    const b = mp.contentType.split('boundary=')[1];
    const text = new TextDecoder().decode(await collect(mp.body));
    expect(text).toBe(
      `\r\n--${b}\r\nContent-Type: video/webm\r\nContent-Range: bytes 0-1/5\r\n\r\nab` +
        `\r\n--${b}\r\nContent-Type: video/webm\r\nContent-Range: bytes 4-4/5\r\n\r\ne` +
        `\r\n--${b}--\r\n`,
    );
    expect(mp.contentLength).toBe(text.length);
  });

  it('counts bytes, not characters, in the headers', async () => {
    const mp = multipartByteranges({
      ranges: [
        { start: 0, end: 0 },
        { start: 1, end: 1 },
      ],
      size: 2,
      contentType: 'video/mp4; title="é"',
      open: (r) => streamOf(FILE.slice(r.start, r.end + 1)),
    });
    expect(mp.contentLength).toBe((await collect(mp.body)).byteLength);
  });

  it('uses a fresh random boundary per body', () => {
    const make = () =>
      multipartByteranges({ ranges: [{ start: 0, end: 0 }], size: 1, contentType: 'x/y', open: fakeFile().open });
    expect(make().contentType).not.toBe(make().contentType);
  });

  it('opens nothing until read, and one part at a time', async () => {
    const file = fakeFile(FILE, 1000);
    const mp = mp4Body(async (r) => file.open(r));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(file.log).toEqual([]);
    const reader = mp.body.getReader();
    await reader.read(); // first header
    expect(file.log).toEqual([]);
    expect((await reader.read()).value).toEqual(FILE.slice(0, 10));
    expect(file.log).toEqual(['open 0-9']);
    await reader.read(); // second header
    expect(file.log).toEqual(['open 0-9']);
    await reader.read();
    expect(file.log).toEqual(['open 0-9', 'open 20-29']);
  });

  it('cancelling cancels the part being read and opens no more', async () => {
    const file = fakeFile(FILE, 4);
    const mp = mp4Body(file.open, [
      { start: 0, end: 99 },
      { start: 200, end: 299 },
    ]);
    const reader = mp.body.getReader();
    await reader.read(); // header
    await reader.read(); // first 4 bytes
    await reader.cancel(new Error('client gone'));
    expect(file.log).toEqual(['open 0-99', 'cancel 0-99']);
    expect(await reader.closed).toBeUndefined();
  });

  it('closes a part whose open finishes after the cancel', async () => {
    const file = fakeFile();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mp = mp4Body(async (r) => {
      file.log.push('opening');
      await gate;
      return file.open(r);
    });
    const reader = mp.body.getReader();
    await reader.read(); // header
    const pending = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(file.log).toEqual(['opening']);
    await reader.cancel();
    release();
    expect((await pending).done).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(file.log).toEqual(['opening', 'open 0-9', 'cancel 0-9']);
  });

  it('errors the body when a part errors, and opens no more', async () => {
    const file = fakeFile();
    const failure = new Error('disk on fire');
    const mp = mp4Body((r) => {
      file.log.push(`open ${r.start}-${r.end}`);
      return new ReadableStream({
        pull: (controller) => controller.error(failure),
      });
    });
    await expect(collect(mp.body)).rejects.toBe(failure);
    expect(file.log).toEqual(['open 0-9']);
  });

  it('errors the body when open fails', async () => {
    const failure = new Error('gone');
    const mp = mp4Body(() => Promise.reject(failure));
    await expect(collect(mp.body)).rejects.toBe(failure);
  });

  it('errors the body when a part is shorter or longer than its range', async () => {
    const make = (served: Uint8Array) => mp4Body(() => streamOf(served)).body;
    await expect(collect(make(FILE.slice(0, 9)))).rejects.toThrow('ended early');
    await expect(collect(make(FILE.slice(0, 11)))).rejects.toThrow('longer than its range');
  });

  it('refuses bad input', () => {
    const open = fakeFile().open;
    const base = { size: 10, contentType: 'video/mp4', open };
    expect(() => multipartByteranges({ ...base, ranges: [] })).toThrow(RangeError);
    expect(() => multipartByteranges({ ...base, ranges: [{ start: 5, end: 10 }] })).toThrow(RangeError);
    expect(() => multipartByteranges({ ...base, ranges: [{ start: 5, end: 4 }] })).toThrow(RangeError);
    expect(() =>
      multipartByteranges({ ...base, contentType: 'video/mp4\r\nSet-Cookie: x', ranges: [{ start: 0, end: 1 }] }),
    ).toThrow(TypeError);
  });
});
