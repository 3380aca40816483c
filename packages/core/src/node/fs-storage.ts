import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FileSource, PutResult, StoredFile, VideoStorage } from '../storage/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEMP = /^(\d+)\.[0-9a-f]+\.part$/;

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

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

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
    const pid = Number(TEMP.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) await rm(join(tmpDir, name), { force: true });
  }

  const pathOf = (videoId: string) => join(videosDir, checkedId(videoId));

  return {
    videosDir,

    async put(videoId, body, signal): Promise<PutResult> {
      const target = pathOf(videoId);
      const temp = join(tmpDir, `${process.pid}.${crypto.randomUUID().replace(/-/g, '')}.part`);
      let size = 0;
      try {
        const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>, { signal });
        source.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
        });
        await pipeline(source, createWriteStream(temp, { flags: 'wx', mode: 0o644 }), { signal });
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
        const { mtimeMs } = await stat(target);
        return { kind: 'stored', file: { size, mtimeMs: Math.floor(mtimeMs) } };
      } finally {
        await unlink(temp).catch(() => {});
      }
    },

    async stat(videoId): Promise<StoredFile | undefined> {
      try {
        const found = await stat(pathOf(videoId));
        return found.isFile() ? { size: found.size, mtimeMs: Math.floor(found.mtimeMs) } : undefined;
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
