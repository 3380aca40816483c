import { describe, expect, it } from 'vitest';
import { VodkitError } from '../errors/vodkit-error.js';
import { MAX_JSON_BYTES, readJson } from './read-json.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': JSON_TYPE }) =>
  new Request('http://vodkit.test/api/register', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

/** A body that yields `chunk` forever, counting what was pulled and whether it was cancelled. */
const endless = (chunk: Uint8Array) => {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
};

/** The VodkitError reading gives; fails the test when the body is accepted. */
const readError = async (request: Request, limit?: number): Promise<VodkitError> => {
  try {
    await readJson(request, limit);
  } catch (error) {
    expect(error).toBeInstanceOf(VodkitError);
    return error as VodkitError;
  }
  throw new Error('the body was accepted');
};

describe('readJson', () => {
  it('parses a JSON body, whatever the case of the media type', async () => {
    const body = { user_name: 'ren', pwd: '🎬 東京 \u0000 pwd' };
    for (const type of [
      'application/json',
      JSON_TYPE,
      'Application/JSON; Charset=UTF-8',
      'application/json ; charset=utf-8',
      'application/json; charset="utf-8"',
    ]) {
      expect(await readJson(post(JSON.stringify(body), { 'content-type': type }))).toEqual(body);
    }
  });

  it('reads a body that arrives in many small chunks', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ content: '語'.repeat(1000) }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // One byte at a time splits every multi-byte character across chunks.
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    expect(await readJson(post(stream))).toEqual({ content: '語'.repeat(1000) });
  });

  it('accepts a body of exactly the limit', async () => {
    const text = JSON.stringify({ a: 'x'.repeat(100 - 8) });
    expect(text).toHaveLength(100);
    expect(await readJson(post(text), 100)).toEqual({ a: 'x'.repeat(92) });
  });

  it('answers 413 for a declared size over the limit, without reading the body', async () => {
    const { stream, state } = endless(new Uint8Array(1024).fill(0x20));
    const request = post(stream, { 'content-type': JSON_TYPE, 'content-length': String(MAX_JSON_BYTES + 1) });
    const error = await readError(request);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.status).toBe(413);
    // A stream pulls ahead once when it is set up; nothing is read beyond that.
    expect(state.pulled).toBeLessThanOrEqual(2 * 1024);
  });

  it('answers 413 once a streamed body passes the limit, and stops reading it', async () => {
    const { stream, state } = endless(new TextEncoder().encode('[1,2,3,4,5,6,7,'));
    const error = await readError(post(stream), 1000);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(1000 + 64);
  });

  it('answers 413 for a body just over the limit without a declared size', async () => {
    const error = await readError(post(JSON.stringify({ a: 'x'.repeat(93) })), 100);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    [undefined],
    ['text/plain'],
    ['text/json'],
    ['application/jsonp'],
    ['application/json-patch+json'],
    ['multipart/form-data; boundary=x'],
    ['application/x-www-form-urlencoded'],
  ])('answers 415 for content type %j', async (type) => {
    const headers: Record<string, string> = type ? { 'content-type': type } : {};
    // A string body makes fetch add text/plain itself; bytes leave the header as set.
    const request = post(new TextEncoder().encode('{"a":1}'), headers);
    const error = await readError(request);
    expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(error.status).toBe(415);
  });

  it.each([['latin1'], ['iso-8859-1'], ['utf-16'], ['us-ascii']])('answers 415 for charset=%s', async (charset) => {
    const error = await readError(post('{"a":1}', { 'content-type': `application/json; charset=${charset}` }));
    expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers VALIDATION for a missing or empty body', async () => {
    for (const request of [
      post(null),
      post(''),
      post(new Uint8Array(0)),
      post(new ReadableStream({ start: (controller) => controller.close() })),
    ]) {
      const error = await readError(request);
      expect(error.code).toBe('VALIDATION');
      expect(error.status).toBe(400);
      expect(error.details?.[0]?.path).toBe('body');
    }
  });

  it.each([
    ['a stray 0xFF byte', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]],
    ['an overlong slash', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
    ['an encoded surrogate', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]],
    ['a truncated sequence', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe6, 0x9d, 0x22, 0x7d]],
  ])('answers MALFORMED_JSON for invalid UTF-8: %s', async (_, bytes) => {
    const error = await readError(post(Uint8Array.from(bytes)));
    expect(error.code).toBe('MALFORMED_JSON');
    expect(error.status).toBe(400);
  });

  it.each([['{'], ['{"a":1,}'], ["{'a':1}"], ['NaN'], ['undefined'], ['{"a":1}{"b":2}'], ['   ']])(
    'answers MALFORMED_JSON for %j',
    async (text) => {
      const error = await readError(post(text));
      expect(error.code).toBe('MALFORMED_JSON');
    },
  );
});
