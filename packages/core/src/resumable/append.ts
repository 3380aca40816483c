import { isVodkitError, VodkitError } from '../errors/vodkit-error.js';
import type { PartWriter, VideoStorage } from '../storage/types.js';
import type { ResumableUploadRecord, Store } from '../store/types.js';
import { SNIFF_BYTES, sniffVideo } from '../upload/sniff.js';

/** How appends to a resumable upload share it with other requests and instances. */
export interface AppendTiming {
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** How long a lease lasts unless renewed: what a dead instance's upload waits before another takes it. */
  leaseMs: number;
  /** How often a long append makes its bytes durable, records them and renews its lease. */
  checkpointMs: number;
  /** Unfinished uploads expire this long after their last recorded bytes. */
  expiryMs: number;
}

/** Bytes gathered from the body before one write: large writes, and a checkpoint check per megabyte, not per packet. */
const BATCH_BYTES = 1024 * 1024;

const concat = (chunks: readonly Uint8Array[], length: number) => {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk.subarray(0, length - at), at);
    at += chunk.byteLength;
    if (at >= length) break;
  }
  return out;
};

const TIMED_OUT = Symbol('timed out');

/**
 * Reads the body in batches of up to BATCH_BYTES: an empty batch at its end. A batch that has
 * bytes also ends at `deadline`, so a slow client's bytes are recorded on time too; the read
 * still waiting then is kept for the next batch. A body that fails (the client went, it stalled)
 * hands over the bytes it brought first: every byte that arrived is kept.
 */
function batches(reader: ReadableStreamDefaultReader<Uint8Array>, clock: () => number) {
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** A read that may be left waiting while the batch is written: its failure is seen when it is awaited next. */
  const read = () => {
    const next = reader.read();
    next.catch(() => {});
    return next;
  };
  /** One timer per batch, not per read: it ends the batch at its deadline. */
  let timeout: { promise: Promise<typeof TIMED_OUT>; timer: ReturnType<typeof setTimeout> } | undefined;
  const readBy = (deadline: number) => {
    pending ??= read();
    if (!timeout) {
      const wait = deadline - clock();
      if (wait <= 0) return TIMED_OUT;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const promise = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), wait);
      });
      timeout = { promise, timer: timer as ReturnType<typeof setTimeout> };
    }
    return Promise.race([pending, timeout.promise]);
  };
  /** A read that failed after bytes of a batch came: those bytes are written first, then it is thrown. */
  let failure: { error: unknown } | undefined;
  const batch = async (deadline: number) => {
    if (failure) throw failure.error;
    const chunks: Uint8Array[] = [];
    let length = 0;
    while (length < BATCH_BYTES) {
      let result: ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT;
      try {
        if (chunks.length > 0) result = await readBy(deadline);
        else {
          pending ??= read();
          result = await pending;
        }
      } catch (error) {
        if (chunks.length === 0) throw error;
        failure = { error };
        break;
      }
      if (result === TIMED_OUT) break;
      pending = undefined;
      if (result.done) break;
      if (result.value.byteLength === 0) continue;
      chunks.push(result.value);
      length += result.value.byteLength;
    }
    return { chunks, length };
  };
  return async (deadline: number) => {
    try {
      return await batch(deadline);
    } finally {
      if (timeout) clearTimeout(timeout.timer);
      timeout = undefined;
    }
  };
}

/** What an append did: the bytes written, how many of them are recorded, and whether the upload is whole. */
export interface Appended {
  offset: number;
  /** The offset the store holds: the whole `offset` unless the upload is complete (finishing records it). */
  recorded: number;
  complete: boolean;
  /** When the upload expires, as last recorded (ms since the epoch). */
  expiresAt: number;
}

/**
 * Appends a request body to a leased upload, starting at its recorded offset. Writes happen only
 * while this append's lease is certainly live (renewed well before it ends), so another instance
 * that takes the upload after a lapse never finds two writers in its file. Every `checkpointMs`
 * the bytes are made durable and recorded with the lease renewed; when the body ends (or fails,
 * or the client leaves) the bytes that arrived are made durable, recorded and the lease is given
 * back. The last bytes of the upload are made durable but not recorded: finishing records them.
 * The file's first bytes are sniffed as soon as there are enough, before more are written.
 */
export async function appendToUpload(
  { store, storage, timing }: { store: Store; storage: VideoStorage; timing: AppendTiming },
  upload: ResumableUploadRecord,
  owner: string,
  body: ReadableStream<Uint8Array> | null,
): Promise<Appended> {
  const { clock, leaseMs, checkpointMs, expiryMs } = timing;
  const acquiredAt = clock();
  /** Gives the lease back with nothing new recorded: for failures before any byte could count. */
  const giveBack = (offset: number) =>
    store.uploads
      .checkpoint(upload.id, owner, { offset, expiresAt: upload.expiresAt, leaseUntil: null })
      .catch(() => false);
  let part: PartWriter | undefined;
  try {
    part = await storage.openPart(upload.videoId, upload.id, upload.offset);
  } catch (error) {
    await giveBack(upload.offset);
    throw error;
  }
  if (!part) {
    await store.uploads.delete(upload.id, owner).catch(() => {});
    await storage.deleteParts(upload.videoId, upload.id).catch(() => {});
    throw new VodkitError('UPLOAD_NOT_FOUND', { message: 'The bytes of this upload are gone; start a new one.' });
  }
  let recorded = upload.offset;
  let position = upload.offset;
  let leaseUntil = acquiredAt + leaseMs;
  let lastCheckpoint = acquiredAt;
  let expiresAt = upload.expiresAt.getTime();
  /** Renewing this long before the lease ends leaves room for a slow store and a slow disk. */
  const margin = leaseMs / 2;

  /**
   * A sync started behind the writes, one at a time: the sync a PATCH must end with then has only
   * the last bytes left to flush, instead of all of them while the client waits.
   */
  let flushing: Promise<unknown> | undefined;
  const flushBehind = () => {
    flushing ??= part.sync().then(
      () => {
        flushing = undefined;
      },
      (error: unknown) => ({ error }),
    );
  };
  const sync = async () => {
    const behind = await flushing;
    if (behind) throw (behind as { error: unknown }).error;
    await part.sync();
  };

  /**
   * Makes the bytes durable and records them; the lease renewed, or given back with `release`.
   * The last byte is never recorded here: an offset equal to the length says the upload is
   * finished, and only finishing may say so.
   */
  const checkpoint = async (release: boolean) => {
    if (position > recorded) await sync();
    const at = clock();
    const offset = Math.min(position, upload.length - 1);
    const kept = await store.uploads.checkpoint(upload.id, owner, {
      offset,
      expiresAt: new Date(at + expiryMs),
      leaseUntil: release ? null : new Date(at + leaseMs),
    });
    if (!kept) throw await lostLease(store, storage, upload, at);
    recorded = offset;
    expiresAt = at + expiryMs;
    leaseUntil = at + leaseMs;
    lastCheckpoint = at;
  };

  const sniffHead = async (batch: { chunks: Uint8Array[]; length: number }) => {
    const need = Math.min(SNIFF_BYTES, upload.length);
    if (position >= need || position + batch.length < need) return;
    const before = await storage.readPartHead(upload.videoId, upload.id, position);
    // Shorter than what was written: the part went (the upload ended or was replaced meanwhile).
    if (before.byteLength < position) throw new VodkitError('UPLOAD_NOT_FOUND');
    const head = concat([before, ...batch.chunks], need);
    if (!sniffVideo(head)) throw new VodkitError('NOT_A_VIDEO');
  };

  const reader = body?.getReader();
  const nextBatch = reader && batches(reader, clock);
  try {
    for (;;) {
      const batch = nextBatch ? await nextBatch(lastCheckpoint + checkpointMs) : { chunks: [], length: 0 };
      if (batch.length === 0) break;
      if (position + batch.length > upload.length) {
        throw new VodkitError('VALIDATION', {
          message: `The bytes go past Upload-Length (${upload.length}).`,
          details: [{ path: 'body', message: `must end at byte ${upload.length}` }],
        });
      }
      await sniffHead(batch);
      // No byte is written unless the lease is certainly live: renewed first when it nears its end.
      if (clock() >= leaseUntil - margin) await checkpoint(false);
      await part.write(batch.chunks);
      position += batch.length;
      if (clock() - lastCheckpoint >= checkpointMs) await checkpoint(false);
      else flushBehind();
    }
    if (position === upload.length) {
      await sync();
      return { offset: position, recorded, complete: true, expiresAt };
    }
    await checkpoint(true);
    return { offset: position, recorded, complete: false, expiresAt };
  } catch (error) {
    await reader?.cancel(error).catch(() => {});
    if (isNotAVideo(error)) throw error;
    // Whatever reached the file stays: the client's next HEAD says how much. If it cannot be made
    // durable, the lease goes back at least, at what was recorded before.
    if (
      !(await checkpoint(true).then(
        () => true,
        () => false,
      ))
    )
      await giveBack(recorded);
    throw error;
  } finally {
    await flushing;
    await part.close().catch(() => {});
  }
}

const isNotAVideo = (error: unknown) => isVodkitError(error) && error.code === 'NOT_A_VIDEO';

/** Why a checkpoint found its lease gone: the upload ended (its bytes go too) or another request holds it. */
export async function lostLease(store: Store, storage: VideoStorage, upload: ResumableUploadRecord, at: number) {
  let still: ResumableUploadRecord | undefined;
  try {
    still = await store.uploads.find(upload.id, new Date(at));
  } catch (error) {
    // Not known: another request may hold the upload now, and its bytes must stay.
    return error;
  }
  if (still) return new VodkitError('UPLOAD_LOCKED', { headers: { 'retry-after': '1' } });
  // Ended (terminated, replaced, expired) while this request wrote: a part made since has no owner.
  await storage.deleteParts(upload.videoId, upload.id).catch(() => {});
  return new VodkitError('UPLOAD_NOT_FOUND');
}
