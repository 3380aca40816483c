import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

/** The files under `<dataDir>/videos` and `<dataDir>/tmp`. */
export async function filesIn(dataDir: string) {
  const [videos, tmp] = await Promise.all([readdir(join(dataDir, 'videos')), readdir(join(dataDir, 'tmp'))]);
  return { videos, tmp };
}

/** Polls `check` until it holds, failing after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}
