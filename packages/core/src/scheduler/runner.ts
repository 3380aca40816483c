import { consoleLogger, type Logger } from '../logger.js';
import type { VideoStorage } from '../storage/types.js';
import { createChannel } from './channel.js';
import { createDispatcher } from './dispatcher.js';
import { runExecutors } from './executor.js';
import { createWakeTimer } from './timer.js';
import type { ClaimedDeletion, DeletionClaims, DeletionStats } from './types.js';

/** Tuning of the deletion runner the scheduler service starts: `VodkitOptions.scheduler`. */
export interface SchedulerOptions {
  /** Lease owner; unique per process so instances sharing a database never collide. Default: a random UUID. */
  owner?: string;
  /** Idle claim interval (ms), default 1000. */
  intervalMs?: number;
  /** Most claims held by this process at once, default 100. */
  batchSize?: number;
  /** Parallel deletions, default 4. */
  concurrency?: number;
  /** Lease per claim (ms), default 60 000; must exceed one deletion since leases are not renewed. */
  leaseMs?: number;
  /** Attempts before a row is kept as dead, default 8. */
  maxAttempts?: number;
  /** First retry delay (ms), default 1000; doubles per attempt. */
  baseDelayMs?: number;
  /** Retry delay cap (ms), default 300 000. */
  maxDelayMs?: number;
}

export interface DeletionRunnerOptions extends SchedulerOptions {
  queue: DeletionClaims;
  storage: Pick<VideoStorage, 'delete' | 'deleteParts'>;
  clock?: () => number;
  logger?: Logger;
}

export interface DeletionRunner {
  start(): void;
  /** Something was enqueued in this process: claim now instead of at the next tick. */
  wake(): void;
  /** Stops claiming, finishes the deletions in progress, releases the unstarted claims. */
  stop(): Promise<void>;
  readonly stats: Readonly<DeletionStats>;
}

/** Timer → dispatcher (producer) → bounded channel → executors (consumers). */
export function createDeletionRunner(options: DeletionRunnerOptions): DeletionRunner {
  const { queue, storage } = options;
  const owner = options.owner ?? crypto.randomUUID();
  const batchSize = options.batchSize ?? 100;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  const stats: DeletionStats = { deleted: 0, failed: 0, dead: 0, inFlight: 0 };
  // The dispatcher never holds more than a batch, so sends into this channel never wait.
  const channel = createChannel<ClaimedDeletion>(batchSize);
  let stopping: Promise<void> | undefined;
  let executors: Promise<void> | undefined;

  const dispatcher = createDispatcher({
    queue,
    channel,
    owner,
    batchSize,
    leaseMs: options.leaseMs ?? 60_000,
    clock,
    logger,
    stopped: () => stopping !== undefined,
  });
  const timer = createWakeTimer(() => dispatcher.dispatch(), { intervalMs: options.intervalMs, logger });

  const stop = async () => {
    await timer.stop();
    // Whatever has not been started goes back to the queue, not through the executors.
    const unstarted = channel.drain();
    channel.close();
    await executors;
    try {
      // By owner: also covers rows claimed while stop began, which never reached the channel.
      await queue.release(owner);
    } catch (error) {
      // Their leases expire on their own; another instance picks them up then.
      logger.error('releasing deletion claims failed', { owner, error: String(error) });
    }
    if (unstarted.length > 0) logger.info('deletion claims released', { owner, count: unstarted.length });
  };

  return {
    start() {
      if (executors || stopping) return;
      executors = runExecutors({
        channel,
        queue,
        storage,
        owner,
        concurrency: options.concurrency ?? 4,
        maxAttempts: options.maxAttempts ?? 8,
        baseDelayMs: options.baseDelayMs ?? 1000,
        maxDelayMs: options.maxDelayMs ?? 300_000,
        clock,
        logger,
        stats,
        // While a backlog lasts, refill as room frees instead of waiting for a tick.
        onSettled: () => {
          if (dispatcher.settled()) timer.wake();
        },
      });
      timer.start();
    },
    wake: () => timer.wake(),
    stop() {
      stopping ??= stop();
      return stopping;
    },
    stats,
  };
}
