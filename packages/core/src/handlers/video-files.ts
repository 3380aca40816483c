import { VodkitError } from '../errors/vodkit-error.js';
import type { VideoStorage } from '../storage/types.js';
import type { Store, VideoView } from '../store/types.js';

/** A file in place without its record, older than this, belongs to no upload that can still finish. */
const ORPHAN_AFTER_MS = 30_000;
/** About half an hour of retries (1 s doubling up to a minute) for a record whose outcome is unknown. */
const SETTLE_ATTEMPTS = 36;

/**
 * How an upload's file and the video's record are kept in agreement, for the one-shot and the
 * resumable upload alike: the slot is freed of a dead upload's file first, and a stored file is
 * recorded so that the video ends `ready` with its file or `pending` without one.
 */
export function videoFiles(store: Store, storage: VideoStorage) {
  /**
   * Whether the video's file slot may be filled: a `ready` video with its file is uploaded; a
   * `ready` one without it lost its file to a failure after an unanswered markReady and takes a
   * new one. A `pending` video that has a file is an upload that died between linking its file
   * and recording it: once that upload cannot still be finishing, its file goes.
   */
  const freeSlot = async (video: VideoView) => {
    const existing = await storage.stat(video.id);
    if (!existing) return;
    if (video.status !== 'pending') throw new VodkitError('ALREADY_UPLOADED');
    // Left by this process's own upload whose record failed, and the store has just said pending.
    if (unsettled.delete(video.id)) {
      await storage.delete(video.id);
      return;
    }
    const waitMs = existing.mtimeMs + ORPHAN_AFTER_MS - Date.now();
    if (waitMs > 0) {
      throw new VodkitError('ALREADY_UPLOADED', {
        message: 'Another upload of this video is finishing; retry shortly.',
        headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
      });
    }
    await storage.delete(video.id);
  };

  /**
   * Videos whose file is in place while whether markReady was applied is not known: its answer
   * was lost, or a statement sent to a frozen server may still run when the server resumes.
   * Deleting the file then could leave a `ready` video without one; keeping it leaves, at worst,
   * a `pending` video with a file, which `settle` (or the next upload) resolves once the store
   * answers.
   */
  const unsettled = new Set<string>();

  /** Asks the store which it was: the file stays for a `ready` video and goes for a `pending` one. */
  const settle = async (videoId: string): Promise<'ready' | 'pending' | 'gone'> => {
    const found = await store.videos.find(videoId);
    if (!unsettled.has(videoId)) return found?.status === 'ready' ? 'ready' : 'pending';
    unsettled.delete(videoId);
    if (found?.status === 'ready') return 'ready';
    // Pending: the record never happened. Gone: the video is deleted and its file with it.
    await storage.delete(videoId);
    return found ? 'pending' : 'gone';
  };

  /** Tries `settle` again and again, further apart each time, until the store answers. */
  const settleLater = (videoId: string, attempt = 0) => {
    if (attempt >= SETTLE_ATTEMPTS) return;
    const timer = setTimeout(
      () => void settle(videoId).catch(() => settleLater(videoId, attempt + 1)),
      Math.min(1000 * 2 ** attempt, 60_000),
    );
    (timer as { unref?: () => void }).unref?.();
  };

  /**
   * Records the stored file. Store and storage agree whatever fails: the video ends `ready`
   * with its file, or `pending` without one and ready for another upload.
   */
  const record = async (video: VideoView, file: { size: number; contentType: string }) => {
    let marked: boolean;
    try {
      marked = await store.videos.markReady(video.id, file);
    } catch (error) {
      unsettled.add(video.id);
      // The store may answer a read even so (the write failed alone): then it says at once.
      const outcome = await settle(video.id).catch(() => undefined);
      if (outcome === 'ready') return;
      if (outcome === undefined) settleLater(video.id);
      throw error;
    }
    if (marked) return;
    // Deleted while the bytes were arriving: the file goes too, nobody can reach it.
    await storage.delete(video.id);
    // With its author, whose session went with them.
    const author = await store.users.findByName(video.authorName);
    throw new VodkitError(author?.id === video.authorId ? 'VIDEO_NOT_FOUND' : 'UNAUTHENTICATED');
  };

  return { freeSlot, record };
}

/** What `videoFiles` makes: one per vodkit instance, shared by both kinds of upload. */
export type VideoFiles = ReturnType<typeof videoFiles>;
