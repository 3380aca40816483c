import { readdirSync, readlinkSync, readSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileHandle, openFile } from '../src/file-handles.js';
import { sleep } from './support/socket.js';

let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vodkit-file-handles-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A new file of its own, with `text` in it: the module's open files outlive a test, so none is shared. */
async function newFile(text: string) {
  const path = join(dir, `file-${fileCount++}.bin`);
  await writeFile(path, text);
  return path;
}

/** The descriptors of this process open on `path` now, from /proc (fd numbers are reused, so the target is what counts). */
function fdsOn(path: string): number[] {
  const fds: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === path) fds.push(Number(name));
    } catch {
      // Closed meanwhile (the directory's own descriptor among them).
    }
  }
  return fds;
}

/** Whether `fd` is open on `path` right now. */
const isOpenOn = (fd: number, path: string) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === path;
  } catch {
    return false;
  }
};

/** Reads the start of the file behind `handle`, through its descriptor. */
function textOf(handle: FileHandle, length = 64) {
  const buffer = Buffer.alloc(length);
  const bytes = readSync(handle.fd, buffer, 0, length, 0);
  return buffer.subarray(0, bytes).toString();
}

/** Waits until `check` holds, for up to `ms`. */
async function eventually(check: () => boolean, ms: number) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

describe('openFile', () => {
  it('shares one descriptor between the opens of the same path and version', async () => {
    const path = await newFile('shared');
    // At once (the open still under way) and after it finished.
    const [a, b] = await Promise.all([openFile(path, 'v1'), openFile(path, 'v1')]);
    const c = await openFile(path, 'v1');
    expect(b.fd).toBe(a.fd);
    expect(c.fd).toBe(a.fd);
    expect(fdsOn(path)).toEqual([a.fd]);
    expect(textOf(c)).toBe('shared');
    for (const handle of [a, b, c]) handle.release();
  });

  it('opens another descriptor for another version of the same path', async () => {
    const path = await newFile('versions');
    const one = await openFile(path, 'v1');
    const two = await openFile(path, 'v2');
    expect(two.fd).not.toBe(one.fd);
    expect(fdsOn(path).sort()).toEqual([one.fd, two.fd].sort());
    one.release();
    two.release();
  });

  it('reads the new bytes of a file replaced at the same path under a new version', async () => {
    const path = await newFile('old bytes');
    const old = await openFile(path, 'mtime-1');
    expect(textOf(old)).toBe('old bytes');

    const replacement = join(dir, `replacement-${fileCount++}.bin`);
    await writeFile(replacement, 'new bytes');
    await rename(replacement, path);

    const fresh = await openFile(path, 'mtime-2');
    expect(fresh.fd).not.toBe(old.fd);
    expect(textOf(fresh)).toBe('new bytes');
    // The send under the old version goes on reading what it started with.
    expect(textOf(old)).toBe('old bytes');
    old.release();
    fresh.release();
  });

  it('keeps a released descriptor for the next open of the same version for a while', async () => {
    const path = await newFile('warm');
    const first = await openFile(path, 'v1');
    first.release();
    await sleep(300);
    expect(isOpenOn(first.fd, path)).toBe(true);
    const again = await openFile(path, 'v1');
    expect(again.fd).toBe(first.fd);
    expect(fdsOn(path)).toEqual([first.fd]);
    again.release();
  });

  it('closes a descriptor nobody uses once it has been idle for a second', async () => {
    const path = await newFile('idle');
    const handle = await openFile(path, 'v1');
    handle.release();
    const released = Date.now();
    // Not before the second is up…
    await sleep(700);
    expect(fdsOn(path)).toEqual([handle.fd]);
    // …and soon after it (the sweep runs once a second).
    expect(await eventually(() => fdsOn(path).length === 0, 3_000)).toBe(true);
    expect(Date.now() - released).toBeGreaterThanOrEqual(1_000);

    // The next open is a fresh one, which reads the file.
    const next = await openFile(path, 'v1');
    expect(isOpenOn(next.fd, path)).toBe(true);
    expect(textOf(next)).toBe('idle');
    next.release();
  });

  it('lets the disk space of a deleted file come back once its sends are over', async () => {
    const path = await newFile('deleted');
    const handle = await openFile(path, 'v1');
    await unlink(path);
    // Still readable while in use.
    expect(textOf(handle)).toBe('deleted');
    handle.release();
    const deleted = `${path} (deleted)`;
    expect(await eventually(() => fdsOn(deleted).length === 0, 3_000)).toBe(true);
  });

  it('never closes a descriptor still in use, however long', async () => {
    const path = await newFile('held');
    const held = await openFile(path, 'v1');
    const brief = await openFile(path, 'v1');
    brief.release();
    await sleep(2_500);
    expect(isOpenOn(held.fd, path)).toBe(true);
    expect(textOf(held)).toBe('held');
    held.release();
    expect(await eventually(() => fdsOn(path).length === 0, 3_000)).toBe(true);
  });

  it('counts a release once, however often it is called', async () => {
    const path = await newFile('twice');
    const a = await openFile(path, 'v1');
    const b = await openFile(path, 'v1');
    a.release();
    a.release();
    // b still holds it: a second release of a must not have counted for b.
    await sleep(2_500);
    expect(isOpenOn(b.fd, path)).toBe(true);
    expect(textOf(b)).toBe('twice');
    b.release();
  });

  it('keeps at most 64 unused descriptors', async () => {
    const path = await newFile('many');
    for (let i = 0; i < 100; i++) (await openFile(path, `many-${i}`)).release();
    // Well within the idle second: only the cap can have closed any (closes take a moment).
    await sleep(50);
    expect(fdsOn(path).length).toBeLessThanOrEqual(64);
    expect(fdsOn(path).length).toBeGreaterThan(0);
  });

  it('closes none in use to keep to 64', async () => {
    const path = await newFile('crowded');
    const held = await openFile(path, 'held');
    for (let i = 0; i < 100; i++) (await openFile(path, `crowd-${i}`)).release();
    await sleep(50);
    expect(isOpenOn(held.fd, path)).toBe(true);
    expect(textOf(held)).toBe('crowded');
    held.release();
  });

  it('rejects for a missing file, and opens it once it exists', async () => {
    const path = join(dir, `late-${fileCount++}.bin`);
    const results = await Promise.allSettled([openFile(path, 'v1'), openFile(path, 'v1')]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOENT' });
    }
    expect(fdsOn(path)).toEqual([]);

    // The failure was not kept: the same path and version open now.
    writeFileSync(path, 'here now');
    const handle = await openFile(path, 'v1');
    expect(textOf(handle)).toBe('here now');
    handle.release();
  });

  it('opens a private descriptor without a version, closed on release', async () => {
    const path = await newFile('private');
    const a = await openFile(path, undefined);
    const b = await openFile(path, undefined);
    expect(b.fd).not.toBe(a.fd);
    expect(fdsOn(path).sort()).toEqual([a.fd, b.fd].sort());
    expect(textOf(a)).toBe('private');
    a.release();
    expect(await eventually(() => !isOpenOn(a.fd, path), 500)).toBe(true);
    expect(isOpenOn(b.fd, path)).toBe(true);
    b.release();
    expect(await eventually(() => fdsOn(path).length === 0, 500)).toBe(true);
  });

  it('never closes, on a second release of a private descriptor, a descriptor opened since', async () => {
    const path = await newFile('first');
    const other = await newFile('second');
    const a = await openFile(path, undefined);
    a.release();
    expect(await eventually(() => !isOpenOn(a.fd, path), 500)).toBe(true);
    // The lowest free number is taken again: most likely a's.
    const b = await openFile(other, undefined);
    if (b.fd === a.fd) {
      a.release();
      await sleep(100);
      expect(isOpenOn(b.fd, other)).toBe(true);
    }
    b.release();
  });
});
