import { isVodkitError, VodkitError } from '../errors/vodkit-error.js';
import type { VideoFiles } from '../handlers/video-files.js';
import type { VideoStorage } from '../storage/types.js';
import type { ResumableUploadRecord, Store } from '../store/types.js';
import { SNIFF_BYTES, sniffVideo } from '../upload/sniff.js';
import { failWhenIdle } from '../upload/streams.js';
import { type Appended, type AppendTiming, appendToUpload, lostLease } from './append.js';

export interface ResumableUploadsDeps {
  store: Store;
  storage: VideoStorage;
  files: VideoFiles;
  timing: AppendTiming;
  idleTimeoutMs: number;
  /** The error a body that sends nothing for `idleTimeoutMs` fails with. */
  stalled: () => Error;
}

/** Where an upload stands after a request: its offset, and when it expires (ms since the epoch). */
export type UploadState = Pick<Appended, 'offset' | 'expiresAt'>;

export const offsetMismatch = (offset: number) =>
  new VodkitError('UPLOAD_OFFSET_MISMATCH', { headers: { 'upload-offset': String(offset) } });

const locked = () => new VodkitError('UPLOAD_LOCKED', { headers: { 'retry-after': '1' } });

/** Errors after which nothing can finish the upload: it ends, its bytes go. */
const isFinal = (error: unknown) =>
  isVodkitError(error) &&
  (error.code === 'NOT_A_VIDEO' || error.code === 'ALREADY_UPLOADED') &&
  !error.headers?.['retry-after'];

/**
 * What the tus routes do to an upload, past the HTTP: append under a lease, finish into the
 * video's file exactly as a one-shot upload does, and end.
 */
export function resumableUploads({ store, storage, files, timing, idleTimeoutMs, stalled }: ResumableUploadsDeps) {
  const { clock } = timing;

  /** Ends an upload: its row, then its bytes. */
  const end = async (upload: ResumableUploadRecord) => {
    await store.uploads.delete(upload.id);
    await storage.deleteParts(upload.videoId, upload.id);
  };

  /**
   * The last byte has landed: the part becomes the video's file, as a one-shot upload's does. The
   * lease is checked first (the upload may have been replaced or ended since the last checkpoint)
   * and the video read again (another upload may have filled it meanwhile). A finished upload
   * keeps its row, at its whole length, until it expires: a client whose last answer was lost
   * asks with HEAD and learns it is done.
   */
  const finish = async (upload: ResumableUploadRecord, owner: string, written: Appended): Promise<UploadState> => {
    const at = clock();
    const held = await store.uploads.checkpoint(upload.id, owner, {
      offset: written.recorded,
      expiresAt: new Date(at + timing.expiryMs),
      leaseUntil: new Date(at + timing.leaseMs),
    });
    if (!held) throw await lostLease(store, storage, upload, at);
    const video = await store.videos.find(upload.videoId);
    if (!video) throw new VodkitError('UPLOAD_NOT_FOUND');
    if (video.status !== 'pending') throw new VodkitError('ALREADY_UPLOADED');
    const head = await storage.readPartHead(video.id, upload.id, SNIFF_BYTES);
    // The part went since the lease was checked (ended, replaced, filled by a one-shot upload).
    if (head.byteLength < Math.min(SNIFF_BYTES, upload.length)) throw new VodkitError('UPLOAD_NOT_FOUND');
    const contentType = sniffVideo(head);
    if (!contentType) throw new VodkitError('NOT_A_VIDEO');
    await files.freeSlot(video);
    const stored = await storage.finishPart(video.id, upload.id);
    if (stored.kind === 'gone') throw new VodkitError('UPLOAD_NOT_FOUND');
    if (stored.kind === 'exists') throw new VodkitError('ALREADY_UPLOADED');
    await files.record(video, { size: stored.file.size, contentType });
    const expiresAt = clock() + timing.expiryMs;
    // If this fails the video is ready all the same; the upload then answers 404.
    await store.uploads
      .checkpoint(upload.id, owner, { offset: upload.length, expiresAt: new Date(expiresAt), leaseUntil: null })
      .catch(() => false);
    return { offset: upload.length, expiresAt };
  };

  /**
   * Appends the request's bytes at `expected` under a lease, and finishes the upload when they
   * complete it. A second request to the same upload meanwhile, here or on another instance, is
   * refused with 409 UPLOAD_LOCKED.
   */
  const append = async (request: Request, upload: ResumableUploadRecord, expected: number): Promise<UploadState> => {
    const owner = crypto.randomUUID();
    const now = clock();
    const leased = await store.uploads.acquire(upload.id, owner, new Date(now), new Date(now + timing.leaseMs));
    if (leased === undefined) throw new VodkitError('UPLOAD_NOT_FOUND');
    if (leased === 'busy') throw locked();
    const release = (offset: number) =>
      store.uploads
        .checkpoint(upload.id, owner, { offset, expiresAt: new Date(clock() + timing.expiryMs), leaseUntil: null })
        .catch(() => false);
    if (leased.offset !== expected) {
      await release(leased.offset);
      throw offsetMismatch(leased.offset);
    }
    const body = request.body && failWhenIdle(request.body, idleTimeoutMs, stalled);
    let written: Appended;
    try {
      written = await appendToUpload({ store, storage, timing }, leased, owner, body);
    } catch (error) {
      if (isFinal(error)) await end(leased).catch(() => {});
      throw error;
    }
    if (!written.complete) return written;
    try {
      return await finish(leased, owner, written);
    } catch (error) {
      if (isFinal(error)) await end(leased).catch(() => {});
      else await release(written.recorded);
      throw error;
    }
  };

  return { append, end };
}
