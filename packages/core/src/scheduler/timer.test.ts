import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { createWakeTimer } from './timer.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createWakeTimer', () => {
  it('runs at start, then once per interval counted from the end of the last run', async () => {
    const run = vi.fn(async () => {});
    const timer = createWakeTimer(run, { intervalMs: 1000, logger: silentLogger });
    timer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await timer.stop();
  });

  it('never overlaps runs; wakes during a run collapse into exactly one more run', async () => {
    let active = 0;
    let most = 0;
    const run = vi.fn(async () => {
      most = Math.max(most, ++active);
      await new Promise((resolve) => setTimeout(resolve, 100));
      active--;
    });
    const timer = createWakeTimer(run, { intervalMs: 10_000, logger: silentLogger });
    timer.start();
    timer.wake();
    timer.wake();
    timer.wake();
    await vi.advanceTimersByTimeAsync(250);
    expect(run).toHaveBeenCalledTimes(2);
    expect(most).toBe(1);
    await timer.stop();
  });

  it('does nothing before start or after stop, and stop waits for the current run', async () => {
    let finished = false;
    const run = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      finished = true;
    });
    const timer = createWakeTimer(run, { intervalMs: 1000, logger: silentLogger });
    timer.wake();
    expect(run).not.toHaveBeenCalled();
    timer.start();
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopped;
    expect(finished).toBe(true);
    timer.wake();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps ticking after a run throws', async () => {
    const logger = { info: vi.fn(), error: vi.fn() };
    const run = vi.fn(async () => {
      throw new Error('boom');
    });
    const timer = createWakeTimer(run, { intervalMs: 1000, logger });
    timer.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(run).toHaveBeenCalledTimes(3);
    expect(logger.error).toHaveBeenCalledTimes(3);
    await timer.stop();
  });
});
