import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBytes } from '../../../test/support/streams.js';
import { type FsStorage, fsStorage } from '../src/node/fs-storage.js';

/** A well-formed resumable upload id. */
const UPLOAD = '0123456789abcdef0123456789abcdef';

/** `length` deterministic, non-repeating-looking bytes. */
const data = (length: number, seed = 1) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) % 256);

/** A pull source yielding `bytes` in chunks of `chunkSize`; after `failAfter` chunks it errors with `failure`. */
function body(bytes: Uint8Array, chunkSize = 64 * 1024, options: { failAfter?: number; failure?: Error } = {}) {
  let offset = 0;
  let chunks = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (options.failAfter !== undefined && chunks === options.failAfter) {
          controller.error(options.failure);
          return;
        }
        if (offset >= bytes.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
        chunks += 1;
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, chunks: () => chunks, cancelled: () => cancelled };
}

const collect = readBytes;

/** Byte equality without a deep, element-by-element comparison of large arrays. */
const expectBytes = (actual: Uint8Array, expected: Uint8Array | undefined, label?: string) => {
  expect(actual.byteLength, label).toBe(expected?.byteLength);
  expect(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected ?? new Uint8Array()),
    label,
  ).toBe(true);
};

const never = () => new AbortController().signal;

/** A pid no process has: a dead crashed uploader. */
const deadPid = () => {
  for (let pid = 999_999; pid > 1; pid -= 1) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid');
};

describe('fsStorage', () => {
  let dataDir: string;
  let storage: FsStorage;
  const videosDir = () => join(dataDir, 'videos');
  const tmpDir = () => join(dataDir, 'tmp');

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vodkit-fs-storage-'));
    storage = await fsStorage(dataDir);
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates videos/ and tmp/ in the data dir', async () => {
    expect(storage.videosDir).toBe(videosDir());
    expect((await stat(videosDir())).isDirectory()).toBe(true);
    expect((await stat(tmpDir())).isDirectory()).toBe(true);
  });

  it('stores a body, then stats it and reads any byte range back', async () => {
    const id = randomUUID();
    const bytes = data(1_000_003);
    const result = await storage.put(id, body(bytes, 10_007).stream, never());
    if (result.kind !== 'stored') throw new Error(`expected stored, got ${result.kind}`);
    expect(result.file.size).toBe(bytes.byteLength);

    const onDisk = await stat(join(videosDir(), id));
    expect(result.file.mtimeMs).toBe(Math.floor(onDisk.mtimeMs));
    expect(await storage.stat(id)).toEqual(result.file);
    expectBytes(await readFile(join(videosDir(), id)), bytes);
    expect(await readdir(tmpDir())).toEqual([]);

    const last = bytes.byteLength - 1;
    for (const [start, end] of [
      [0, last],
      [0, 0],
      [0, 1],
      [last, last],
      [12_345, 678_901],
      [65_535, 65_536],
      [last - 99, last],
    ] as const) {
      const source = storage.read(id, start, end);
      expect(source.file).toEqual({ path: join(videosDir(), id), start, end });
      expectBytes(await collect(source.stream()), bytes.subarray(start, end + 1), `${start}-${end}`);
    }
  });

  it('stores an empty body as an empty file', async () => {
    const id = randomUUID();
    const result = await storage.put(id, body(new Uint8Array()).stream, never());
    expect(result).toMatchObject({ kind: 'stored', file: { size: 0 } });
    expect((await storage.stat(id))?.size).toBe(0);
  });

  it('writes files readable by everyone, writable by the owner (0644 under the umask)', async () => {
    const id = randomUUID();
    await storage.put(id, body(data(10)).stream, never());
    const umask = process.umask();
    expect((await stat(join(videosDir(), id))).mode & 0o777).toBe(0o644 & ~umask);
  });

  it('answers exists for a second put and leaves the first file untouched', async () => {
    const id = randomUUID();
    const first = data(200_000, 1);
    await storage.put(id, body(first).stream, never());
    const before = await stat(join(videosDir(), id));

    const second = await storage.put(id, body(data(300_000, 2)).stream, never());
    expect(second).toEqual({ kind: 'exists' });
    const after = await stat(join(videosDir(), id));
    expect(after.size).toBe(first.byteLength);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expectBytes(await readFile(join(videosDir(), id)), first);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('lets exactly one of several concurrent puts of one video win', async () => {
    const id = randomUUID();
    const bodies = [1, 2, 3, 4].map((seed) => data(100_000, seed));
    const results = await Promise.all(bodies.map((bytes) => storage.put(id, body(bytes, 4096).stream, never())));
    const winners = results.flatMap((result, i) => (result.kind === 'stored' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'exists')).toHaveLength(3);
    expectBytes(await readFile(join(videosDir(), id)), bodies[winners[0] ?? -1]);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('rejects with the body’s error midway and leaves nothing behind', async () => {
    const id = randomUUID();
    const failure = new Error('client sent garbage');
    const source = body(data(1_000_000), 65_536, { failAfter: 5, failure });
    await expect(storage.put(id, source.stream, never())).rejects.toBe(failure);
    expect(source.chunks()).toBe(5);
    expect(await readdir(videosDir())).toEqual([]);
    expect(await readdir(tmpDir())).toEqual([]);
    expect(await storage.stat(id)).toBeUndefined();
  });

  it('rejects with the body’s error before any byte and leaves nothing behind', async () => {
    const failure = new Error('broken at once');
    await expect(storage.put(randomUUID(), body(data(10), 10, { failAfter: 0, failure }).stream, never())).rejects.toBe(
      failure,
    );
    expect(await readdir(videosDir())).toEqual([]);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('rejects when aborted midway, stops reading the body and leaves nothing behind', async () => {
    const id = randomUUID();
    const controller = new AbortController();
    let pulls = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulls += 1;
          if (pulls <= 3) c.enqueue(data(50_000, pulls));
          // The fourth pull: the client goes away while the server waits for more.
          else {
            controller.abort();
            return new Promise<void>(() => {});
          }
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    await expect(storage.put(id, stream, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(cancelled).toBe(true);
    expect(await readdir(videosDir())).toEqual([]);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('rejects a put whose signal is already aborted and leaves nothing behind', async () => {
    const source = body(data(10));
    await expect(storage.put(randomUUID(), source.stream, AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(await readdir(videosDir())).toEqual([]);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('stats an unknown video as undefined', async () => {
    expect(await storage.stat(randomUUID())).toBeUndefined();
  });

  it('deletes a file, and a missing file counts as deleted', async () => {
    const id = randomUUID();
    await storage.put(id, body(data(10)).stream, never());
    await storage.delete(id);
    expect(await storage.stat(id)).toBeUndefined();
    expect(existsSync(join(videosDir(), id))).toBe(false);
    await expect(storage.delete(id)).resolves.toBeUndefined();
    await expect(storage.delete(randomUUID())).resolves.toBeUndefined();
  });

  it('refuses ids that are not lower-case UUIDs before touching the disk', async () => {
    const uuid = randomUUID();
    // A file the bad ids below would reach if they were used as paths.
    await writeFile(join(dataDir, 'x'), 'outside');
    const bad = [
      '../x',
      '../../etc/passwd',
      uuid.toUpperCase(),
      `${uuid}/`,
      `${uuid}\n`,
      `../videos/${uuid}`,
      `{${uuid}}`,
      uuid.replace(/-/g, ''),
      '',
      '.',
      '..',
    ];
    for (const id of bad) {
      const source = body(data(10));
      await expect(storage.put(id, source.stream, never()), JSON.stringify(id)).rejects.toThrow(TypeError);
      expect(source.chunks()).toBe(0);
      await expect(storage.stat(id)).rejects.toThrow(TypeError);
      await expect(storage.delete(id)).rejects.toThrow(TypeError);
      expect(() => storage.read(id, 0, 1)).toThrow(TypeError);
      await expect(storage.openPart(id, UPLOAD, 0)).rejects.toThrow(TypeError);
      await expect(storage.deleteParts(id)).rejects.toThrow(TypeError);
    }
    for (const id of ['../x', UPLOAD.toUpperCase(), `${UPLOAD}0`, UPLOAD.slice(1), '', uuid]) {
      await expect(storage.openPart(uuid, id, 0), JSON.stringify(id)).rejects.toThrow(TypeError);
      await expect(storage.readPartHead(uuid, id, 1)).rejects.toThrow(TypeError);
      await expect(storage.finishPart(uuid, id)).rejects.toThrow(TypeError);
      await expect(storage.deleteParts(uuid, id)).rejects.toThrow(TypeError);
    }
    expect(await readFile(join(dataDir, 'x'), 'utf8')).toBe('outside');
    expect((await readdir(dataDir)).sort()).toEqual(['tmp', 'uploads', 'videos', 'x']);
    expect(await readdir(videosDir())).toEqual([]);
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('removes temporary files of dead processes at open, and keeps those of live ones', async () => {
    const host = hostname().replace(/[^A-Za-z0-9-]/g, '-');
    const dead = deadPid();
    const crashed = `${dead}.abc.part`;
    const crashedTagged = `${host}.${dead}.0123456789abcdef.abc.part`;
    // A process that died with the pid this one has now (PID 1 in a container, restarted).
    const samePidBefore = `${process.pid}.def0123.part`;
    const samePidTagged = `${host}.${process.pid}.fedcba9876543210.def0123.part`;
    const parents = `${host}.${process.ppid}.0123456789abcdef.0ff1ce.part`;
    const parentsUntagged = `${process.ppid}.0ff1ce.part`;
    // Another host's upload (a container sharing the volume): its pids mean nothing here.
    const otherHost = `other-host.${dead}.0123456789abcdef.abc.part`;
    const other = 'notes.txt';
    const names = [crashed, crashedTagged, samePidBefore, samePidTagged, parents, parentsUntagged, otherHost, other];
    for (const name of names) await writeFile(join(tmpDir(), name), 'partial');
    const kept = await storage.put(randomUUID(), body(data(10)).stream, never());
    expect(kept.kind).toBe('stored');

    const reopened = await fsStorage(dataDir);
    expect((await readdir(tmpDir())).sort()).toEqual([parents, parentsUntagged, otherHost, other].sort());
    // Stored videos are not touched by the sweep.
    expect(await readdir(reopened.videosDir)).toHaveLength(1);
  });

  it('keeps the temporary file of an upload in flight in this process when another storage opens the directory', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sent = false;
    const slow = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent) {
          await gate;
          controller.close();
          return;
        }
        sent = true;
        controller.enqueue(data(1000));
      },
    });
    const put = storage.put(randomUUID(), slow, never());
    while ((await readdir(tmpDir())).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await fsStorage(dataDir);
    expect(await readdir(tmpDir())).toHaveLength(1);
    release();
    expect((await put).kind).toBe('stored');
    expect(await readdir(tmpDir())).toEqual([]);
  });

  it('answers 507 INSUFFICIENT_STORAGE when the disk is full, and leaves nothing behind', async () => {
    if (!existsSync('/dev/full')) return;
    // The temp directory as a link to /dev/full would not do: every write to a file there fails with ENOSPC.
    const full = await fsStorage(dataDir);
    const id = randomUUID();
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      },
    });
    await expect(full.put(id, failing, never())).rejects.toMatchObject({ code: 'INSUFFICIENT_STORAGE', status: 507 });
    expect(await readdir(tmpDir())).toEqual([]);
    expect(await full.stat(id)).toBeUndefined();
  });

  describe('parts of resumable uploads', () => {
    const partPath = (vid: string, id = UPLOAD) => join(dataDir, 'uploads', `${vid}.${id}.part`);

    it('appends across opens, cuts what was never recorded, and reads the head back', async () => {
      const vid = randomUUID();
      const bytes = data(5000);
      const first = await storage.openPart(vid, UPLOAD, 0);
      await first?.write([bytes.subarray(0, 1000), bytes.subarray(1000, 3000)]);
      await first?.sync();
      await first?.close();
      expect((await stat(partPath(vid))).size).toBe(3000);
      // Recorded at 2000: the 1000 bytes after it were written by a request that died before recording them.
      const second = await storage.openPart(vid, UPLOAD, 2000);
      expect((await stat(partPath(vid))).size).toBe(2000);
      await second?.write([bytes.subarray(2000)]);
      await second?.close();
      expect(new Uint8Array(await readFile(partPath(vid)))).toEqual(bytes);
      expect(await storage.readPartHead(vid, UPLOAD, 64)).toEqual(bytes.subarray(0, 64));
      expect(await storage.readPartHead(vid, UPLOAD, 10_000)).toEqual(bytes);
    });

    it('has no part to open past offset 0 when it is missing or shorter, and an empty head', async () => {
      const vid = randomUUID();
      expect(await storage.openPart(vid, UPLOAD, 10)).toBeUndefined();
      expect(await storage.readPartHead(vid, UPLOAD, 64)).toEqual(new Uint8Array(0));
      const part = await storage.openPart(vid, UPLOAD, 0);
      await part?.write([data(5)]);
      await part?.close();
      expect(await storage.openPart(vid, UPLOAD, 6)).toBeUndefined();
      expect((await stat(partPath(vid))).size).toBe(5);
    });

    it('finishes a part into place once, like put: the first file wins', async () => {
      const vid = randomUUID();
      const part = await storage.openPart(vid, UPLOAD, 0);
      await part?.write([data(100)]);
      await part?.sync();
      await part?.close();
      const finished = await storage.finishPart(vid, UPLOAD);
      expect(finished).toMatchObject({ kind: 'stored', file: { size: 100 } });
      expect(existsSync(partPath(vid))).toBe(false);
      expect(new Uint8Array(await readFile(join(dataDir, 'videos', vid)))).toEqual(data(100));
      const other = 'f'.repeat(32);
      await (await storage.openPart(vid, other, 0))?.close();
      expect(await storage.finishPart(vid, other)).toEqual({ kind: 'exists' });
      // No longer a part anyone can open; removing the upload's parts removes it.
      expect(existsSync(partPath(vid, other))).toBe(false);
      expect(existsSync(`${partPath(vid, other)}.finishing`)).toBe(true);
      await storage.deleteParts(vid, other);
      expect(await readdir(join(dataDir, 'uploads'))).toEqual([]);
      expect(await storage.finishPart(vid, other)).toEqual({ kind: 'gone' });
    });

    it("removes one part, or every part of a video and no other video's", async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const ids = ['1'.repeat(32), '2'.repeat(32)];
      for (const vid of [a, b]) for (const id of ids) await (await storage.openPart(vid, id, 0))?.close();
      await storage.deleteParts(a, ids[0]);
      expect((await readdir(join(dataDir, 'uploads'))).sort()).toEqual(
        [`${a}.${ids[1]}.part`, `${b}.${ids[0]}.part`, `${b}.${ids[1]}.part`].sort(),
      );
      await storage.deleteParts(b);
      expect(await readdir(join(dataDir, 'uploads'))).toEqual([`${a}.${ids[1]}.part`]);
      await storage.deleteParts(b);
      await storage.deleteParts(a, ids[0]);
    });
  });
});
