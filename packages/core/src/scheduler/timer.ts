import type { Logger } from '../logger.js';

export interface WakeTimer {
  /** Runs once at once (work left from before the start), then every interval. */
  start(): void;
  /** Runs now, or once more right after the current run. */
  wake(): void;
  /** No further runs; resolves when the current one has finished. */
  stop(): Promise<void>;
}

/**
 * Drives `run` every `intervalMs` and on `wake()`, never twice at once: wakes that
 * arrive during a run collapse into exactly one more run. The next tick is counted
 * from the end of the last run, so an idle runner does one run per interval and a
 * slow run can never pile ticks up.
 */
export function createWakeTimer(run: () => Promise<void>, options: { intervalMs?: number; logger: Logger }): WakeTimer {
  const intervalMs = options.intervalMs ?? 1000;
  let started = false;
  let stopped = false;
  let pending = false;
  let current: Promise<void> | undefined;
  let tick: ReturnType<typeof setTimeout> | undefined;

  const schedule = () => {
    if (tick !== undefined) clearTimeout(tick);
    tick = stopped ? undefined : setTimeout(trigger, intervalMs);
  };

  const loop = async () => {
    do {
      pending = false;
      try {
        await run();
      } catch (error) {
        // run() handles its own errors; this only keeps the timer alive if one slips out.
        options.logger.error('scheduler run failed', { error: String(error) });
      }
    } while (pending && !stopped);
    current = undefined;
    schedule();
  };

  function trigger() {
    if (!started || stopped) return;
    if (current) {
      pending = true;
      return;
    }
    if (tick !== undefined) clearTimeout(tick);
    tick = undefined;
    current = loop();
  }

  return {
    start() {
      if (started) return;
      started = true;
      trigger();
    },
    wake: trigger,
    async stop() {
      stopped = true;
      if (tick !== undefined) clearTimeout(tick);
      tick = undefined;
      await current;
    },
  };
}
