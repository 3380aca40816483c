import { describe, expect, it } from 'vitest';
import { drain, readBytes } from '../../../test/support/streams.js';
import { VodkitError } from '../src/errors/vodkit-error.js';
import { busboyMultipart } from '../src/node/busboy-multipart.js';

const BOUNDARY = '----vodkitFormBoundary7MA4YWxkTrZu0gW';
const encoder = new TextEncoder();

/** `length` deterministic bytes, including CR, LF and '-' so that the parser sees boundary-like runs. */
const fileBytes = (length: number) =>
  Uint8Array.from({ length }, (_, i) =>
    i % 97 === 0 ? 0x0d : i % 89 === 0 ? 0x0a : i % 83 === 0 ? 0x2d : (i * 131) % 256,
  );

const concat = (parts: (string | Uint8Array)[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part)));

const textPart = (name: string, value: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

const filePart = (name: string, content: Uint8Array) => [
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  content,
  '\r\n',
];

const closing = `--${BOUNDARY}--\r\n`;

/**
 * A POST whose body arrives in chunks of `chunkSize` bytes, one per pull, so boundaries
 * and file bytes straddle chunks the way they do on a socket.
 */
function formRequest(body: Uint8Array, options: { contentType?: string; chunkSize?: number } = {}) {
  const chunkSize = options.chunkSize ?? 16_381;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= body.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(body.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    },
    { highWaterMark: 0 },
  );
  return new Request('http://vodkit.test/upload/videos/x', {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

const readAll = readBytes;

/** What reading the stream to its end gives: the bytes, or the error it failed with and the bytes before it. */
const outcome = async (stream: ReadableStream<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  try {
    await drain(stream, chunks);
    return { ended: true as const, bytes: Buffer.concat(chunks).byteLength };
  } catch (error) {
    return { ended: false as const, error, bytes: Buffer.concat(chunks).byteLength };
  }
};

describe('busboyMultipart', () => {
  it('streams the file field back byte for byte, after a text field, across many chunks', async () => {
    const content = fileBytes(3 * 1024 * 1024 + 17);
    const body = concat([textPart('title', 'my holiday'), ...filePart('file', content), closing]);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    const received = await readAll(stream);
    expect(received.byteLength).toBe(content.byteLength);
    expect(received.equals(content)).toBe(true);
  });

  for (const chunkSize of [1, 7, 64]) {
    it(`finds the file when the body arrives in ${chunkSize}-byte chunks`, async () => {
      const content = fileBytes(5000);
      const body = concat([textPart('title', 'x'), ...filePart('file', content), closing]);
      const stream = await busboyMultipart(formRequest(body, { chunkSize }), 'file');
      if (!stream) throw new Error('expected the file');
      expect((await readAll(stream)).equals(content)).toBe(true);
    });
  }

  it('accepts an epilogue after the closing boundary', async () => {
    const content = fileBytes(1000);
    const body = concat([...filePart('file', content), closing, 'trailing epilogue text\r\n']);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    expect((await readAll(stream)).equals(content)).toBe(true);
  });

  it('streams an empty file as an empty stream', async () => {
    const body = concat([...filePart('file', new Uint8Array()), closing]);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    expect((await readAll(stream)).byteLength).toBe(0);
  });

  it('answers undefined when the form has no file named file', async () => {
    const otherFile = concat([textPart('title', 'x'), ...filePart('video', fileBytes(70_000)), closing]);
    expect(await busboyMultipart(formRequest(otherFile), 'file')).toBeUndefined();

    const textNamedFile = concat([textPart('file', 'not a file, just text'), closing]);
    expect(await busboyMultipart(formRequest(textNamedFile), 'file')).toBeUndefined();

    const noParts = concat([closing]);
    expect(await busboyMultipart(formRequest(noParts), 'file')).toBeUndefined();
  });

  it('fails the stream, rather than ending it, when the body stops inside the file', async () => {
    const content = fileBytes(200_000);
    const body = concat([textPart('title', 'x'), ...filePart('file', content)]).subarray(0, 150_000);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    const result = await outcome(stream);
    expect(result.ended).toBe(false);
    expect(result.error).toBeInstanceOf(VodkitError);
    expect(result.error).toMatchObject({ code: 'VALIDATION', status: 400 });
    expect(result.bytes).toBeLessThan(content.byteLength);
  });

  it('rejects with VALIDATION at once for a form past its field limit, whatever follows', async () => {
    const fields = Array.from({ length: 20 }, (_, i) => textPart(`f${i}`, 'v'));
    const body = concat([...fields, textPart('x', 'v'.repeat(17_000)), ...filePart('file', fileBytes(1000)), closing]);
    await expect(busboyMultipart(formRequest(body), 'file')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('fails the file stream of a form with a second file, rather than waiting for good', async () => {
    const body = concat([...filePart('file', fileBytes(1000)), ...filePart('other', fileBytes(17_000)), closing]);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    const result = await outcome(stream);
    expect(result.ended).toBe(false);
    expect(result.error).toMatchObject({ code: 'VALIDATION', status: 400 });
  });

  it('fails the stream when the file part is complete but the closing boundary never comes', async () => {
    const content = fileBytes(50_000);
    for (const cut of [`--${BOUNDARY}`, `--${BOUNDARY}-`, '']) {
      const body = concat([...filePart('file', content), cut]);
      const stream = await busboyMultipart(formRequest(body), 'file');
      if (!stream) throw new Error('expected the file');
      const result = await outcome(stream);
      expect(result.ended, JSON.stringify(cut)).toBe(false);
      expect(result.error).toMatchObject({ code: 'VALIDATION' });
    }
  });

  it('fails the stream when the request body itself fails midway', async () => {
    const content = fileBytes(100_000);
    const body = concat([...filePart('file', content), closing]);
    let offset = 0;
    const broken = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (offset >= 40_000) {
            controller.error(new Error('connection reset'));
            return;
          }
          controller.enqueue(body.slice(offset, offset + 10_000));
          offset += 10_000;
        },
      },
      { highWaterMark: 0 },
    );
    const request = new Request('http://vodkit.test/', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: broken,
      duplex: 'half',
    } as RequestInit);
    const stream = await busboyMultipart(request, 'file');
    if (!stream) throw new Error('expected the file');
    const result = await outcome(stream);
    expect(result.ended).toBe(false);
    expect(result.error).toBeInstanceOf(Error);
  });

  it('can be cancelled midway, as the upload does for a file that is not a video', async () => {
    const body = concat([...filePart('file', fileBytes(500_000)), closing]);
    const stream = await busboyMultipart(formRequest(body), 'file');
    if (!stream) throw new Error('expected the file');
    const reader = stream.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel('not a video');
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it('rejects with VALIDATION when the body stops before the file starts', async () => {
    const body = concat([`--${BOUNDARY}\r\nContent-Disposition: form-data; name="fi`]);
    await expect(busboyMultipart(formRequest(body), 'file')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('rejects with VALIDATION for a missing, empty or wrong boundary', async () => {
    const body = concat([...filePart('file', fileBytes(100)), closing]);
    for (const contentType of [
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; charset=utf-8',
      'multipart/form-data; boundary=somethingElseEntirely',
      'text/plain',
    ]) {
      const failure = await busboyMultipart(formRequest(body, { contentType }), 'file').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, contentType).toBeInstanceOf(VodkitError);
      expect(failure, contentType).toMatchObject({ code: 'VALIDATION', status: 400 });
    }
  });

  it('rejects with VALIDATION for a body that is not multipart at all', async () => {
    for (const text of ['this is not multipart at all', '']) {
      await expect(busboyMultipart(formRequest(concat([text])), 'file')).rejects.toMatchObject({ code: 'VALIDATION' });
    }
  });

  it('rejects with VALIDATION for a request without a body', async () => {
    const request = new Request('http://vodkit.test/', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    await expect(busboyMultipart(request, 'file')).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
