import type { Logger } from '../logger.js';
import type { Channel } from './channel.js';
import type { ClaimedDeletion, DeletionClaims } from './types.js';

export interface DispatcherOptions {
  queue: Pick<DeletionClaims, 'claim'>;
  channel: Channel<ClaimedDeletion>;
  owner: string;
  batchSize: number;
  leaseMs: number;
  clock: () => number;
  logger: Logger;
  stopped: () => boolean;
}

export interface Dispatcher {
  /** One run of the producer: called by the timer, never twice at once. */
  dispatch(): Promise<void>;
  /**
   * The last claim came back full, so more rows are due. The runner then wakes the
   * dispatcher as executors free room instead of waiting for the next tick.
   */
  readonly backlog: boolean;
  /** Claims handed out and not yet settled (queued in the channel or being deleted). */
  readonly held: number;
  /** An executor finished a claim; true when a backlog waits and the room is worth a claim. */
  settled(): boolean;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { queue, channel, owner, batchSize, leaseMs, clock, logger } = options;
  // Half a batch: a backlog is drained in big claims, not one query per finished row.
  const lowWater = Math.max(1, Math.floor(batchSize / 2));
  let backlog = false;
  // Counted here, not from channel size + in flight, so a claim passing between the two is never missed.
  let held = 0;

  const dispatcher: Dispatcher = {
    async dispatch() {
      // A plain run (tick or wake) claims whatever room there is; a backlog run only
      // goes on while the room is worth a query.
      let threshold = 1;
      while (!options.stopped()) {
        // Never lease more than the executors can start soon: a lease held in a queue
        // could expire before its turn and be done twice.
        const room = batchSize - held;
        if (room < threshold) return;
        let claims: ClaimedDeletion[];
        try {
          claims = await queue.claim(owner, new Date(clock()), leaseMs, room);
        } catch (error) {
          // The next tick retries; a wake loop on a broken database would be a busy loop.
          backlog = false;
          logger.error('deletion claim failed', { error: String(error) });
          return;
        }
        // Claimed after stop began: stop() releases them by owner, do not start them.
        if (options.stopped()) return;
        held += claims.length;
        for (const claim of claims) {
          if (!(await channel.send(claim))) return;
        }
        backlog = claims.length === room;
        if (!backlog) return;
        threshold = lowWater;
      }
    },
    get backlog() {
      return backlog;
    },
    get held() {
      return held;
    },
    settled() {
      held--;
      return backlog && batchSize - held >= lowWater;
    },
  };
  return dispatcher;
}
