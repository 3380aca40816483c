import type { Logger } from '../logger.js';
import type { VideoStorage } from '../storage/types.js';
import type { Channel } from './channel.js';
import type { ClaimedDeletion, DeletionClaims, DeletionStats } from './types.js';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** Delay before the next try after a row's `attempts`-th failure (0-based): doubling, capped. */
export function backoffDelay(attempts: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(baseDelayMs * 2 ** attempts, maxDelayMs);
}

export interface ExecutorOptions extends BackoffOptions {
  channel: Channel<ClaimedDeletion>;
  queue: Pick<DeletionClaims, 'complete' | 'fail'>;
  storage: Pick<VideoStorage, 'delete' | 'deleteParts'>;
  owner: string;
  concurrency: number;
  clock: () => number;
  logger: Logger;
  stats: DeletionStats;
  /** After each claim settles: lets the runner refill the channel while a backlog lasts. */
  onSettled: () => void;
}

/**
 * Starts `concurrency` workers that take claims from the channel until it is closed.
 * Resolves when every worker has finished the claim it holds, so stop() never leaves a
 * deletion half done. No lease renewal: leaseMs must exceed one deletion.
 */
export function runExecutors(options: ExecutorOptions): Promise<void> {
  const { channel, queue, storage, owner, clock, logger, stats } = options;

  const execute = async ({ videoId, attempts }: ClaimedDeletion) => {
    try {
      // A missing file resolves too: the storage counts it as removed. So do the bytes of its
      // unfinished resumable upload, whose row goes with the video's.
      await storage.delete(videoId);
      await storage.deleteParts(videoId);
      if (!(await queue.complete(videoId, owner))) {
        // Our lease expired and another instance took the row: the file is gone, it finishes the row.
        logger.info('deletion lease lost before completion', { videoId });
      }
      stats.deleted++;
    } catch (error) {
      const dead = attempts + 1 >= options.maxAttempts;
      const delay = backoffDelay(attempts, options.baseDelayMs, options.maxDelayMs);
      const failure = { error: String(error), nextAttemptAt: new Date(clock() + delay), dead };
      stats.failed++;
      if (dead) {
        stats.dead++;
        logger.error('video deletion given up', { videoId, attempts: attempts + 1, error: failure.error });
      }
      try {
        await queue.fail(videoId, owner, failure);
      } catch (failError) {
        // The lease still expires, so the row is retried; only the backoff is lost.
        logger.error('recording a deletion failure failed', { videoId, error: String(failError) });
      }
    }
  };

  const worker = async () => {
    for (;;) {
      const received = await channel.receive();
      if (received.done) return;
      stats.inFlight++;
      try {
        await execute(received.value);
      } finally {
        stats.inFlight--;
        options.onSettled();
      }
    }
  };

  return Promise.all(Array.from({ length: options.concurrency }, worker)).then(() => {});
}
