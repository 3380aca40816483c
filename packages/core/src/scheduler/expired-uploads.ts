import { describeError } from '../errors/vodkit-error.js';
import type { Logger } from '../logger.js';
import type { VideoStorage } from '../storage/types.js';
import type { Store } from '../store/types.js';

/** Expired uploads removed per round; a longer backlog goes on in the next rounds. */
const BATCH = 100;

/** How often to look for expired uploads: a tenth of the expiry, between 1 s and a minute. */
export const expirySweepInterval = (expiryMs: number) => Math.min(Math.max(expiryMs / 10, 1_000), 60_000);

/**
 * Removes unfinished resumable uploads once they expire: the row first, only if it is still
 * expired and unleased, then its bytes. A PATCH that took the upload in between keeps both; one
 * that takes it after finds no row and writes nothing more. Instances sharing the store may both
 * try one: removing twice is harmless. A failed round is logged and the next one tries again.
 */
export function startExpiredUploadSweeper({
  store,
  storage,
  clock,
  logger,
  everyMs,
}: {
  store: Store;
  storage: Pick<VideoStorage, 'deleteParts'>;
  clock: () => number;
  logger: Logger;
  everyMs: number;
}) {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const now = new Date(clock());
    for (;;) {
      const expired = await store.uploads.expired(now, BATCH);
      for (const upload of expired) {
        if (!(await store.uploads.deleteExpired(upload.id, now))) continue;
        // One part that cannot be removed does not stop the others; it is logged for the operator.
        await storage
          .deleteParts(upload.videoId, upload.id)
          .catch((error: unknown) =>
            logger.error('removing an expired upload failed', { uploadId: upload.id, error: describeError(error) }),
          );
      }
      if (expired.length < BATCH) return;
    }
  };
  const tick = () => {
    if (running) return;
    running = sweep()
      .catch((error: unknown) => logger.error('removing expired uploads failed', { error: describeError(error) }))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, everyMs);
  // A sweep never keeps a process alive on its own.
  (timer as { unref?: () => void }).unref?.();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
