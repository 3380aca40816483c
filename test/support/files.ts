import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';

/** An MP4-looking file: an `ftyp` box of brand `isom`, then random bytes. */
export function mp4Bytes(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.writeUInt32BE(24, 0);
  bytes.write('ftypisom', 4, 'latin1');
  return bytes;
}

/** A WebM-looking file: the EBML magic and the doc type `webm`. */
export function webmBytes(size: number): Buffer {
  const bytes = randomBytes(size);
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(bytes, 0);
  bytes.write('\x42\x82\x84webm', 4, 'latin1');
  return bytes;
}

/** An Ogg-looking file. */
export function oggBytes(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.write('OggS', 0, 'latin1');
  return bytes;
}

/** The files under `<dataDir>/videos`, `<dataDir>/tmp` and `<dataDir>/uploads` (resumable uploads' parts). */
export async function filesIn(dataDir: string) {
  const [videos, tmp, uploads] = await Promise.all(
    ['videos', 'tmp', 'uploads'].map((dir) => readdir(join(dataDir, dir)).catch(() => [] as string[])),
  );
  return { videos: videos ?? [], tmp: tmp ?? [], uploads: uploads ?? [] };
}

/** Polls `check` until it holds, failing after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

/** A multipart/form-data body with the given parts; a part with `filename` is a file. */
export function multipartBody(parts: { name: string; filename?: string; type?: string; data: Uint8Array | string }[]) {
  const boundary = `----vodkit${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`;
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
export function parseByteranges(contentType: string, body: Buffer) {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may come with or without its leading CRLF (RFC 2046 §5.1.1).
  const text = body.subarray(0, 2).toString() === '\r\n' ? body : Buffer.concat([Buffer.from('\r\n'), body]);
  const parts: { contentType: string | undefined; contentRange: string | undefined; bytes: Buffer }[] = [];
  let at = text.indexOf(delimiter);
  expect(at).toBe(0);
  for (;;) {
    const after = at + delimiter.length;
    if (text.subarray(after, after + 2).toString() === '--') break;
    const headEnd = text.indexOf('\r\n\r\n', after);
    const head = text.subarray(after + 2, headEnd).toString('latin1');
    const next = text.indexOf(delimiter, headEnd + 4);
    if (next < 0) throw new Error('multipart/byteranges without its closing delimiter');
    const headers = new Map(
      head.split('\r\n').map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
    );
    parts.push({
      contentType: headers.get('content-type'),
      contentRange: headers.get('content-range'),
      bytes: text.subarray(headEnd + 4, next),
    });
    at = next;
  }
  return parts;
}
