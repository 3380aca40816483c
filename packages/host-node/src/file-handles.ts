import { close, open } from 'node:fs';

/**
 * Open files shared by the sends of one file: a player asks for a video in many ranges, and an
 * open and a close per range cost as much as its read. A file is shared only under the version
 * vodkit saw when it looked at it (device, inode, modification time, size), so a file replaced
 * at the same path is opened afresh. Files no send uses are closed 1–2 × IDLE_MS after their
 * last send, so a deleted video's disk space comes back.
 */
const IDLE_MS = 1_000;
const MAX_OPEN = 64;

interface Shared {
  fd: Promise<number>;
  users: number;
  lastUsed: number;
}

const shared = new Map<string, Shared>();
let sweeper: ReturnType<typeof setInterval> | undefined;

const openFd = (path: string) =>
  new Promise<number>((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));

const closeFd = (fd: Promise<number>) =>
  void fd.then(
    (n) => close(n, () => {}),
    () => {},
  );

function sweep(all = false) {
  const now = Date.now();
  for (const [key, entry] of shared) {
    if (entry.users === 0 && (all || now - entry.lastUsed >= IDLE_MS)) {
      shared.delete(key);
      closeFd(entry.fd);
    }
  }
  if (shared.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** An open file and the call that says this send is done with it. */
export interface FileHandle {
  fd: number;
  release(): void;
}

/** Opens `path` for reading, sharing the descriptor with other sends of the same version of it. */
export async function openFile(path: string, version: string | undefined): Promise<FileHandle> {
  if (version === undefined) {
    const fd = await openFd(path);
    let closed = false;
    // Once only: the number may belong to another file by the time of a second call.
    const release = () => {
      if (closed) return;
      closed = true;
      close(fd, () => {});
    };
    return { fd, release };
  }
  const key = `${path}\0${version}`;
  let entry = shared.get(key);
  if (!entry) {
    if (shared.size >= MAX_OPEN) sweep(true);
    entry = { fd: openFd(path), users: 0, lastUsed: 0 };
    shared.set(key, entry);
    const opened = entry;
    // A failed open is not kept: the next send tries again.
    opened.fd.catch(() => {
      if (shared.get(key) === opened) shared.delete(key);
    });
    if (!sweeper) {
      sweeper = setInterval(sweep, IDLE_MS);
      // Open files never keep a stopping process alive.
      sweeper.unref();
    }
  }
  const used = entry;
  used.users += 1;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    used.users -= 1;
    used.lastUsed = Date.now();
    // Dropped from the map meanwhile (evicted): the last user closes it.
    if (used.users === 0 && shared.get(key) !== used) closeFd(used.fd);
  };
  try {
    return { fd: await used.fd, release };
  } catch (error) {
    release();
    throw error;
  }
}
