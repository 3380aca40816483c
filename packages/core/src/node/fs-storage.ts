import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { VodkitError } from '../errors/vodkit-error.js';
import type { FileSource, PartWriter, PutResult, StoredFile, VideoStorage } from '../storage/types.js';

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

const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Added to a part's name while it becomes a video's file. */
const FINISHING = '.finishing';

/** Paths are built only from canonical UUIDs: nothing a client sends can point elsewhere. */
const checkedId = (videoId: string) => {
  if (!UUID.test(videoId)) throw new TypeError(`Not a video id: ${JSON.stringify(videoId)}`);
  return videoId;
};

/** The same for resumable uploads, whose ids are 32 hex digits. */
const checkedUploadId = (uploadId: string) => {
  if (!UPLOAD_ID.test(uploadId)) throw new TypeError(`Not an upload id: ${JSON.stringify(uploadId)}`);
  return uploadId;
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

/** Turns a full disk into 507 for the client. */
const storageError = (error: unknown) =>
  NO_SPACE.has(code(error) ?? '') ? new VodkitError('INSUFFICIENT_STORAGE', { cause: error }) : error;

/**
 * Video files on the local disk: `<dataDir>/videos/<uuid>`, written through
 * `<dataDir>/tmp/<pid>.<random>.part`. Opening it removes temporary files whose
 * process is gone (a crash mid-upload), and only those, so instances sharing the
 * directory keep their uploads in flight. Resumable uploads keep their bytes in
 * `<dataDir>/uploads/<video uuid>.<upload id>.part` until they are whole.
 */
export async function fsStorage(dataDir: string): Promise<FsStorage> {
  const videosDir = join(dataDir, 'videos');
  const tmpDir = join(dataDir, 'tmp');
  const uploadsDir = join(dataDir, 'uploads');
  await mkdir(videosDir, { recursive: true });
  await mkdir(tmpDir, { recursive: true });
  await mkdir(uploadsDir, { recursive: true });
  for (const name of await readdir(tmpDir)) {
    const path = join(tmpDir, name);
    const found = await stat(path).catch(() => undefined);
    if (found && isOrphan(name, found.mtimeMs)) await rm(path, { force: true });
  }
  const instance = crypto.randomUUID().replace(/-/g, '').slice(0, 16);
  liveInstances.add(instance);
  const tempPrefix = `${thisHost}.${process.pid}.${instance}`;

  const pathOf = (videoId: string) => join(videosDir, checkedId(videoId));
  const partOf = (videoId: string, uploadId: string) =>
    join(uploadsDir, `${checkedId(videoId)}.${checkedUploadId(uploadId)}.part`);

  /** Links a durable file into place as the video's; the first file wins. */
  const linkIntoPlace = async (from: string, videoId: string): Promise<PutResult> => {
    const target = pathOf(videoId);
    try {
      // link() fails when the target exists, where rename() would replace it: the first upload wins.
      await link(from, target);
    } catch (error) {
      if (code(error) === 'EEXIST') return { kind: 'exists' };
      throw error;
    }
    return { kind: 'stored', file: storedFile(await stat(target)) };
  };

  return {
    videosDir,

    async put(videoId, body, signal): Promise<PutResult> {
      checkedId(videoId);
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
        return await linkIntoPlace(temp, videoId);
      } catch (error) {
        throw storageError(error);
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

    openPart: async (videoId, uploadId, offset) => openPart(partOf(videoId, uploadId), offset),

    async readPartHead(videoId, uploadId, length) {
      const handle = await open(partOf(videoId, uploadId), 'r').catch((error: unknown) => {
        if (code(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (!handle) return new Uint8Array(0);
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    async finishPart(videoId, uploadId) {
      const part = partOf(videoId, uploadId);
      // Renamed first: a PATCH that took the upload meanwhile can no longer open (and cut) the
      // bytes that are becoming the video's file.
      const finishing = `${part}${FINISHING}`;
      try {
        await rename(part, finishing);
      } catch (error) {
        if (code(error) === 'ENOENT') return { kind: 'gone' };
        throw storageError(error);
      }
      // Its time is now: the one-shot upload's check for a dead upload's file goes by it.
      const now = new Date();
      await utimes(finishing, now, now);
      const result = await linkIntoPlace(finishing, videoId).catch((error: unknown) => {
        throw storageError(error);
      });
      // The bytes live on under the video's name; the part's name goes.
      if (result.kind === 'stored') await unlink(finishing).catch(() => {});
      return result;
    },

    async deleteParts(videoId, uploadId) {
      if (uploadId !== undefined) {
        const part = partOf(videoId, uploadId);
        await Promise.all([rm(part, { force: true }), rm(`${part}${FINISHING}`, { force: true })]);
        return;
      }
      const prefix = `${checkedId(videoId)}.`;
      for (const name of await readdir(uploadsDir)) {
        if (name.startsWith(prefix)) await rm(join(uploadsDir, name), { force: true });
      }
    },
  };
}

/** Opens a part file for appending at `offset`, as `VideoStorage.openPart` describes. */
async function openPart(path: string, offset: number): Promise<PartWriter | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, offset === 0 ? 'w' : 'r+', 0o644);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw storageError(error);
  }
  try {
    const { size } = await handle.stat();
    if (size < offset) {
      await handle.close();
      return undefined;
    }
    // Bytes past the recorded offset were written by a request that died before recording them.
    if (size > offset) await handle.truncate(offset);
  } catch (error) {
    await handle.close();
    throw storageError(error);
  }
  let position = offset;
  return {
    async write(chunks) {
      try {
        let total = 0;
        for (const chunk of chunks) total += chunk.byteLength;
        let written = (await handle.writev(chunks as Uint8Array[], position)).bytesWritten;
        position += written;
        // A short write (rare on a regular file) goes on from the first byte not written.
        if (written < total) {
          const rest = Buffer.concat(chunks as Uint8Array[]).subarray(written);
          for (let at = 0; at < rest.byteLength; at += written) {
            written = (await handle.write(rest, at, rest.byteLength - at, position)).bytesWritten;
            position += written;
          }
        }
      } catch (error) {
        throw storageError(error);
      }
    },
    sync: () => handle.datasync().catch((error: unknown) => Promise.reject(storageError(error))),
    close: () => handle.close(),
  };
}
