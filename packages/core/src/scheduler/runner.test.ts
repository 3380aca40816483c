import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { createDeletionRunner, type DeletionRunnerOptions } from './runner.js';
import type { DeletionClaims, DeletionFailure } from './types.js';

interface Row {
  videoId: string;
  attempts: number;
  nextAttemptAt: number;
  owner?: string;
  leaseUntil: number;
  dead: boolean;
}

/** An in-memory queue with the store's lease rules that records every call. */
function fakeQueue() {
  const rows = new Map<string, Row>();
  const claims: { at: number; limit: number; got: string[] }[] = [];
  const fails: ({ videoId: string; at: number } & DeletionFailure)[] = [];
  const releases: string[] = [];
  let maxLeased = 0;
  const leased = () => [...rows.values()].filter((r) => r.owner && r.leaseUntil > Date.now()).length;
  const queue: DeletionClaims = {
    async claim(owner, now, leaseMs, limit) {
      const due = [...rows.values()]
        .filter((r) => !r.dead && r.nextAttemptAt <= now.getTime() && (!r.owner || r.leaseUntil <= now.getTime()))
        .slice(0, limit);
      for (const r of due) Object.assign(r, { owner, leaseUntil: now.getTime() + leaseMs });
      maxLeased = Math.max(maxLeased, leased());
      claims.push({ at: now.getTime(), limit, got: due.map((r) => r.videoId) });
      return due.map((r) => ({ videoId: r.videoId, attempts: r.attempts }));
    },
    async complete(videoId, owner) {
      return rows.get(videoId)?.owner === owner && rows.delete(videoId);
    },
    async fail(videoId, owner, failure) {
      fails.push({ videoId, at: Date.now(), ...failure });
      const row = rows.get(videoId);
      if (row?.owner !== owner) return;
      Object.assign(row, { attempts: row.attempts + 1, nextAttemptAt: failure.nextAttemptAt.getTime() });
      Object.assign(row, { owner: undefined, dead: failure.dead });
    },
    async release(owner) {
      releases.push(owner);
      for (const r of rows.values()) if (r.owner === owner) r.owner = undefined;
    },
  };
  const enqueue = (...ids: string[]) => {
    for (const videoId of ids)
      rows.set(videoId, { videoId, attempts: 0, nextAttemptAt: Date.now(), leaseUntil: 0, dead: false });
  };
  return { queue, rows, claims, fails, releases, enqueue, maxLeased: () => maxLeased };
}

/** Storage whose deletes take `delayMs` (fake time) and fail while `failures` says so. */
function fakeStorage(delayMs = 0, failures = new Map<string, number>()) {
  const deleted: string[] = [];
  const calls: string[] = [];
  let active = 0;
  let mostActive = 0;
  const storage = {
    /** Parts of resumable uploads: none here. */
    async deleteParts() {},
    async delete(videoId: string) {
      calls.push(videoId);
      mostActive = Math.max(mostActive, ++active);
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        const left = failures.get(videoId) ?? 0;
        if (left > 0) {
          failures.set(videoId, left - 1);
          throw new Error(`disk error on ${videoId}`);
        }
        deleted.push(videoId);
      } finally {
        active--;
      }
    },
  };
  return { storage, deleted, calls, mostActive: () => mostActive };
}

const ids = (n: number, prefix = 'v') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

let stopAll: (() => Promise<void>)[] = [];
const runner = (options: DeletionRunnerOptions) => {
  const r = createDeletionRunner({ owner: 'me', logger: silentLogger, ...options });
  stopAll.push(() => r.stop());
  return r;
};

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  stopAll = [];
});
afterEach(async () => {
  await Promise.all(stopAll.map((stop) => stop()));
  vi.useRealTimers();
});

describe('createDeletionRunner', () => {
  it('deletes in claim order with concurrency 1', async () => {
    const q = fakeQueue();
    const s = fakeStorage(10);
    q.enqueue('c', 'a', 'd', 'b');
    const r = runner({ queue: q.queue, storage: s.storage, concurrency: 1 });
    r.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(s.deleted).toEqual(['c', 'a', 'd', 'b']);
    expect(q.rows.size).toBe(0);
    expect(r.stats).toEqual({ deleted: 4, failed: 0, dead: 0, inFlight: 0 });
  });

  it('drains a backlog without waiting for ticks and never holds more than a batch', async () => {
    const q = fakeQueue();
    const s = fakeStorage();
    q.enqueue(...ids(1050));
    const r = runner({ queue: q.queue, storage: s.storage, intervalMs: 60_000, batchSize: 100 });
    r.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.deleted).toHaveLength(1050);
    expect(new Set(s.deleted).size).toBe(1050);
    expect(q.rows.size).toBe(0);
    expect(q.maxLeased()).toBeLessThanOrEqual(100);
    // Half-batch refills at least: not one query per finished row.
    expect(q.claims.length).toBeLessThan(40);
    expect(Date.now()).toBe(0);
  });

  it('backs off exactly base * 2^attempts, capped, and keeps the row as dead after maxAttempts', async () => {
    const q = fakeQueue();
    const s = fakeStorage(0, new Map([['x', Number.POSITIVE_INFINITY]]));
    const logger = { info: vi.fn(), error: vi.fn() };
    q.enqueue('x');
    const options = { baseDelayMs: 1000, maxDelayMs: 5000, maxAttempts: 6, intervalMs: 100 };
    const r = runner({ queue: q.queue, storage: s.storage, logger, ...options });
    r.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(q.fails.map((f) => f.nextAttemptAt.getTime() - f.at)).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
    expect(q.fails.map((f) => f.dead)).toEqual([false, false, false, false, false, true]);
    expect(s.calls).toHaveLength(6);
    expect(q.rows.get('x')).toMatchObject({ dead: true, attempts: 6 });
    expect(r.stats).toMatchObject({ deleted: 0, failed: 6, dead: 1 });
    expect(logger.error).toHaveBeenCalledWith(
      'video deletion given up',
      expect.objectContaining({ videoId: 'x', attempts: 6 }),
    );
  });

  it('deletes on the third attempt a file whose storage fails twice', async () => {
    const q = fakeQueue();
    const s = fakeStorage(0, new Map([['y', 2]]));
    q.enqueue('y');
    const r = runner({ queue: q.queue, storage: s.storage, intervalMs: 100 });
    r.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.calls).toEqual(['y', 'y', 'y']);
    expect(s.deleted).toEqual(['y']);
    expect(q.rows.size).toBe(0);
    expect(r.stats).toMatchObject({ deleted: 1, failed: 2, dead: 0 });
  });

  it('is idle when idle: one claim per interval', async () => {
    const q = fakeQueue();
    const r = runner({ queue: q.queue, storage: fakeStorage().storage, intervalMs: 1000 });
    r.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(q.claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(q.claims).toHaveLength(11);
    expect(q.claims.map((c) => c.at)).toEqual(Array.from({ length: 11 }, (_, i) => i * 1000));
  });

  it('claims at once on wake()', async () => {
    const q = fakeQueue();
    const s = fakeStorage();
    const r = runner({ queue: q.queue, storage: s.storage, intervalMs: 60_000 });
    r.start();
    await vi.advanceTimersByTimeAsync(500);
    q.enqueue('w');
    r.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(q.claims).toHaveLength(2);
    expect(s.deleted).toEqual(['w']);
  });

  it('logs a failed claim and retries on the next tick', async () => {
    const q = fakeQueue();
    const logger = { info: vi.fn(), error: vi.fn() };
    const claim = q.queue.claim;
    q.queue.claim = vi.fn().mockRejectedValueOnce(new Error('db down')).mockImplementation(claim);
    q.enqueue('z');
    const s = fakeStorage();
    const r = runner({ queue: q.queue, storage: s.storage, logger, intervalMs: 1000 });
    r.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(logger.error).toHaveBeenCalledWith('deletion claim failed', { error: 'Error: db down' });
    expect(s.deleted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.deleted).toEqual(['z']);
  });

  it('stop waits for the deletion in flight and releases the unstarted claims', async () => {
    const q = fakeQueue();
    const s = fakeStorage(5000);
    q.enqueue('a', 'b', 'c');
    const r = runner({ queue: q.queue, storage: s.storage, concurrency: 1 });
    r.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(r.stats.inFlight).toBe(1);
    let stopped = false;
    void r.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(4000);
    expect(stopped).toBe(false);
    expect(q.releases).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(true);
    expect(s.calls).toEqual(['a']);
    expect(q.releases).toEqual(['me']);
    expect([...q.rows.values()].map((row) => [row.videoId, row.owner])).toEqual([
      ['b', undefined],
      ['c', undefined],
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(q.claims).toHaveLength(1);
  });

  it('never runs more deletions at once than its concurrency', async () => {
    const q = fakeQueue();
    const s = fakeStorage(30);
    q.enqueue(...ids(50));
    const r = runner({ queue: q.queue, storage: s.storage, concurrency: 3, batchSize: 10 });
    r.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.deleted).toHaveLength(50);
    expect(s.mostActive()).toBe(3);
  });
});
