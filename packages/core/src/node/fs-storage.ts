import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { VodkitError } from '../errors/vodkit-error.js';
import type { FileSource, PutResult, StoredFile, VideoStorage } from '../storage/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `<host>.<pid>.<storage instance>.<random>.part`; earlier versions wrote `<pid>.<random>.part`. */
const TEMP = /^(?:([A-Za-z0-9-]+)\.)?(\d+)\.(?:([0-9a-f]{16})\.)?[0-9a-f]+\.part$/;

/** Temp files of another host (a container sharing the volume) are left this long: no upload idles that long. */
const FOREIGN_TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The storages open in this process, by instance id; shared by every copy of this module. */
const INSTANCES = Symbol.for('vodkit.fsStorage.instances');
const registry = globalThis as { [INSTANCES]?: Set<string> };
registry[INSTANCES] ??= new Set<string>();
const liveInstances = registry[INSTANCES];

const thisHost =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 63) || 'host';

/** Paths are built only from canonical UUIDs: nothing a client sends can point elsewhere. */
const checkedId = (videoId: string) => {
  if (!UUID.test(videoId)) throw new TypeError(`Not a video id: ${JSON.stringify(videoId)}`);
  return videoId;
};

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** What vodkit knows of a stored file; its version names this very file (device, inode, exact time, size). */
const storedFile = (found: Stats): StoredFile => ({
  size: found.size,
  mtimeMs: Math.floor(found.mtimeMs),
  version: `${found.dev}-${found.ino}-${found.mtimeMs}-${found.size}`,
});

/**
 * Bytes of an upload buffered on their way to its file, on each side of the pipe. The host reads
 * the body ahead (1 MiB on Node); more here gained nothing measured, and on Bun it let memory grow
 * with the upload's size (121 MB peak for 512 MiB, against 93 MB with 64 KiB).
 */
const WRITE_BUFFER_BYTES = 64 * 1024;

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The disk (or the user's quota) is full: the client hears 507, not 500. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * Whether a temporary file at open belongs to an upload that can still finish. A file of this
 * host is kept only while its process runs, and for this very process only while the storage
 * instance that wrote it is open: a restarted process can have the pid of the one that died
 * (PID 1 in a container), so a matching pid alone proves nothing.
 */
const isOrphan = (name: string, mtimeMs: number) => {
  const match = TEMP.exec(name);
  if (!match) return false;
  const [, host, pidText, instance] = match;
  const pid = Number(pidText);
  if (host !== undefined && host !== thisHost) return Date.now() - mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
  if (pid === process.pid) return instance === undefined || !liveInstances.has(instance);
  return !isAlive(pid);
};

/** The storage `fsStorage` opens, with the directory its video files are in. */
export interface FsStorage extends VideoStorage {
  readonly videosDir: string;
}

/**
 * Video files on the local disk: `<dataDir>/videos/<uuid>`, written through
 * `<dataDir>/tmp/<pid>.<random>.part`. Opening it removes temporary files whose
 * process is gone (a crash mid-upload), and only those, so instances sharing the
 * directory keep their uploads in flight.
 */
export async function fsStorage(dataDir: string): Promise<FsStorage> {
  const videosDir = join(dataDir, 'videos');
  const tmpDir = join(dataDir, 'tmp');
  await mkdir(videosDir, { recursive: true });
  await mkdir(tmpDir, { recursive: true });
  for (const name of await readdir(tmpDir)) {
    const path = join(tmpDir, name);
    const found = await stat(path).catch(() => undefined);
    if (found && isOrphan(name, found.mtimeMs)) await rm(path, { force: true });
  }
  const instance = crypto.randomUUID().replace(/-/g, '').slice(0, 16);
  liveInstances.add(instance);
  const tempPrefix = `${thisHost}.${process.pid}.${instance}`;

  const pathOf = (videoId: string) => join(videosDir, checkedId(videoId));

  return {
    videosDir,

    async put(videoId, body, signal): Promise<PutResult> {
      const target = pathOf(videoId);
      const temp = join(tmpDir, `${tempPrefix}.${crypto.randomUUID().replace(/-/g, '')}.part`);
      try {
        const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>, {
          signal,
          highWaterMark: WRITE_BUFFER_BYTES,
        });
        const file = createWriteStream(temp, { flags: 'wx', mode: 0o644, highWaterMark: WRITE_BUFFER_BYTES });
        await pipeline(source, file, { signal });
        // Durable before it becomes visible: a crash after the link never leaves a short file in place.
        const written = await open(temp, 'r+');
        await written.sync().finally(() => written.close());
        try {
          // link() fails when the target exists, where rename() would replace it: the first upload wins.
          await link(temp, target);
        } catch (error) {
          if (code(error) === 'EEXIST') return { kind: 'exists' };
          throw error;
        }
        return { kind: 'stored', file: storedFile(await stat(target)) };
      } catch (error) {
        if (NO_SPACE.has(code(error) ?? '')) throw new VodkitError('INSUFFICIENT_STORAGE', { cause: error });
        throw error;
      } finally {
        await unlink(temp).catch(() => {});
      }
    },

    async stat(videoId): Promise<StoredFile | undefined> {
      try {
        const found = await stat(pathOf(videoId));
        return found.isFile() ? storedFile(found) : undefined;
      } catch (error) {
        if (code(error) === 'ENOENT') return undefined;
        throw error;
      }
    },

    read(videoId, start, end): FileSource {
      const path = pathOf(videoId);
      return {
        file: { path, start, end },
        stream: () => Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>,
      };
    },

    async delete(videoId) {
      await rm(pathOf(videoId), { force: true });
    },
  };
}
