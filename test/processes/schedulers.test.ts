import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVideoOf, registerUser, send } from '../support/fault-http.js';
import { eventually } from '../support/files.js';
import { expectStatus, inBatches, nodeCli, type Running, useSqliteCli } from './support.js';

const VIDEOS = 2000;
const TOKEN = 'scheduler-token-for-the-process-tests';
const logDeletions = fileURLToPath(new URL('./fixtures/log-deletions.mjs', import.meta.url));

/**
 * Two `vodkit --services scheduler` processes on one SQLite file drain 2,000 deletions that an
 * API process queues: every file gone, each removed exactly once (a preload logs every removal
 * of a video file, per process), nothing left in the queue.
 */
describe('two scheduler processes on one SQLite file', () => {
  const { newDataDir, start } = useSqliteCli();

  it('drain 2,000 queued deletions, each video deleted exactly once', async () => {
    const dataDir = newDataDir();
    const api = await start(nodeCli, dataDir, ['--services', 'api']);
    const alice = await registerUser(api.url, 'alice');
    const ids = await inBatches(
      Array.from({ length: VIDEOS }, (_, i) => i),
      16,
      (i) => createVideoOf(api.url, alice, `v${i}`),
    );
    // Each video with a file in the layout fsStorage keeps: <data-dir>/videos/<id>.
    await mkdir(join(dataDir, 'videos'), { recursive: true });
    await inBatches(ids, 64, (id) => writeFile(join(dataDir, 'videos', id), 'sixteen bytes!!!'));

    const scheduler = (name: string) =>
      start(nodeCli, dataDir, ['--services', 'scheduler', '--scheduler-token', TOKEN], {
        DELETIONS_LOG: join(dataDir, `${name}.log`),
        NODE_OPTIONS: `--import=${logDeletions}`,
      });
    const [a, b] = await Promise.all([scheduler('a'), scheduler('b')]);

    const began = Date.now();
    await inBatches(ids, 16, async (id) =>
      expectStatus(await send(api.url, `/api/videos/${id}`, { method: 'DELETE', session: alice.session }), 204),
    );
    const health = async (running: Running) => expectStatus(await send(running.url, '/healthz'), 200).body.scheduler;
    await eventually('the queue drained', async () => (await health(a)).queued === 0, 60_000);
    await eventually('every file removed', async () => (await readdir(join(dataDir, 'videos'))).length === 0, 10_000);
    const tookMs = Date.now() - began;
    expect(await health(b)).toEqual({ queued: 0, dead: 0, dead_video_ids: [] });
    await Promise.all([a.stop(), b.stop()]);

    const logged = async (name: string) => {
      const file = join(dataDir, `${name}.log`);
      return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];
    };
    const [byA, byB] = await Promise.all([logged('a'), logged('b')]);
    const all = [...byA, ...byB];
    expect(all).toHaveLength(VIDEOS);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    // Gone from every read of the API process.
    for (const id of ids.slice(0, 20)) expectStatus(await send(api.url, `/api/videos/${id}`), 404);
    expect(expectStatus(await send(api.url, '/api/user/alice/videos'), 200).body.videos).toEqual([]);
    await api.stop();
    console.info(
      `[schedulers] ${VIDEOS} deletions queued and drained by two processes in ${tookMs} ms (a ${byA.length}, b ${byB.length})`,
    );
  }, 120_000);
});
