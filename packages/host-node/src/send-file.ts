import { read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { FileAnswer } from '@vodkit/core';
import { type FileHandle, openFile } from './file-handles.js';
import { cutWhenIdle } from './idle-cut.js';

/** The size of each read: a 1 MiB range, the common request of a video player, is one read and one write. */
const CHUNK_BYTES = 1024 * 1024;
/**
 * Large chunks in use at once, at most: each is held until the socket has taken its bytes,
 * so a crowd of slow readers would otherwise pin a megabyte or two apiece. Sends beyond it
 * read in small chunks instead, which bounds the memory of file sends to about
 * LARGE_MAX × 1 MiB plus 2 × SMALL_BYTES per send.
 */
const LARGE_MAX = 32;
const SMALL_BYTES = 64 * 1024;
/** Large chunks kept for reuse: a fresh 1 MiB buffer costs page faults on every send. */
const free: Buffer[] = [];
let largeInUse = 0;

const take = () => {
  if (largeInUse >= LARGE_MAX) return Buffer.allocUnsafe(SMALL_BYTES);
  largeInUse += 1;
  return free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
};
const giveBack = (chunk: Buffer) => {
  if (chunk.byteLength !== CHUNK_BYTES) return;
  largeInUse -= 1;
  free.push(chunk);
};
/** A large chunk that may still be referenced: it no longer counts, and is never reused. */
const forget = (chunk: Buffer) => {
  if (chunk.byteLength === CHUNK_BYTES) largeInUse -= 1;
};

const readChunk = (fd: number, position: number, length: number) =>
  new Promise<{ chunk: Buffer; bytes: number }>((resolve, reject) => {
    const chunk = take();
    read(fd, chunk, 0, Math.min(length, chunk.byteLength), position, (error, bytes) => {
      if (error) {
        giveBack(chunk);
        reject(error);
      } else resolve({ chunk, bytes });
    });
  });

/** Resolves when `res` can take more (drain) or is gone (close); true while it is still there. */
const writable = (res: ServerResponse) =>
  new Promise<boolean>((resolve) => {
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    const settle = (open: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(open);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });

/**
 * Sends a file range: the file read in 1 MiB chunks from a small pool, the next read under
 * way while the last chunk is written, each chunk handed to the socket as it is (no stream in
 * between, no copy in JavaScript). The answer is done (its stream token goes back) once the
 * last chunk is read and handed to the socket, before the client can have it and ask again;
 * or when the send fails or its client goes. A client that stops reading for the file's idle
 * timeout is cut.
 */
export async function sendFile(answer: FileAnswer, res: ServerResponse): Promise<void> {
  const { status, headers, file } = answer;
  let over = false;
  const done = () => {
    if (over) return;
    over = true;
    answer.done();
  };
  res.writeHead(status, headers);
  const stopWatching = cutWhenIdle(res, file.idleTimeoutMs);
  // Until the last byte has left for the client, not just until it is read.
  res.once('finish', stopWatching);
  // Chunks the socket still holds come back when it has written them; those of a connection
  // that closed first are let go, as a write cut short may never say it is over.
  const lent = new Set<Buffer>();
  const returned = (chunk: Buffer) => {
    if (lent.delete(chunk)) giveBack(chunk);
  };
  res.once('close', () => {
    for (const chunk of lent) forget(chunk);
    lent.clear();
  });
  let handle: FileHandle | undefined;
  let next: ReturnType<typeof readChunk> | undefined;
  try {
    handle = await openFile(file.path, file.version);
    const { fd } = handle;
    let position = file.start;
    next = readChunk(fd, position, file.end - position + 1);
    while (next) {
      const { chunk, bytes } = await next;
      next = undefined;
      // The file is shorter than when it was looked at: the send cannot be completed honestly.
      if (bytes === 0 || res.destroyed) {
        giveBack(chunk);
        if (bytes === 0) throw new Error(`${file.path} ended before byte ${position}`);
        return;
      }
      position += bytes;
      next = position <= file.end ? readChunk(fd, position, file.end - position + 1) : undefined;
      if (!next) done();
      lent.add(chunk);
      const more = res.write(chunk.subarray(0, bytes), () => returned(chunk));
      if (!more && next && !(await writable(res))) return;
    }
    res.end();
  } catch (error) {
    // The headers are out: a cut connection is the only way left to say the body is not whole.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    done();
    // An ended response is watched until its last byte has left ('finish'): a client that stops
    // reading with the last chunk still in the socket is cut all the same.
    if (!res.writableEnded || res.destroyed) stopWatching();
    // A read still under way (the client went) finishes before its file may be closed.
    if (next)
      await next.then(
        ({ chunk }) => giveBack(chunk),
        () => {},
      );
    handle?.release();
  }
}
