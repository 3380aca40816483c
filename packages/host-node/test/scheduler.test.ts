import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contract, type VideoStorage } from '@vodkit/core';
import { fsStorage } from '@vodkit/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent } from './support/http.js';
import { eventually, fetchBytes, mp4Bytes, uploadRaw } from './support/stream.js';
import { createVideo, eachStore, postComment, UNKNOWN_VID } from './support/suite.js';

const Queued = contract.scheduler.deleteVideo.responses[200];
const Health = contract.health.health.responses[200];
const TOKEN = 'scheduler-test-token-0123456789';

/**
 * fsStorage whose delete fails on demand: `failures` counts down per id, `always` never
 * succeeds, and a delete waits for the id's gate, if there is one.
 */
function flakyStorage(files: VideoStorage) {
  const failures = new Map<string, number>();
  const always = new Set<string>();
  const gates = new Map<string, Promise<void>>();
  const calls: string[] = [];
  const storage: VideoStorage = {
    ...files,
    async delete(videoId) {
      calls.push(videoId);
      await gates.get(videoId);
      if (always.has(videoId)) throw new Error(`disk refuses ${videoId}`);
      const left = failures.get(videoId) ?? 0;
      if (left > 0) {
        failures.set(videoId, left - 1);
        throw new Error(`disk error on ${videoId}`);
      }
      await files.delete(videoId);
    },
  };
  return { storage, failures, always, gates, calls };
}

/** A server over fsStorage on a temporary dir, with a short scheduler interval and quick retries. */
function useSchedulerServer(kind: StoreKind, maxAttempts: number) {
  const served = {} as { server: TestServer; dataDir: string; flaky: ReturnType<typeof flakyStorage> };
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-sched-http-'));
    const flaky = flakyStorage(await fsStorage(dataDir));
    const server = await startServer(kind, {
      dataDir,
      storage: flaky.storage,
      schedulerToken: TOKEN,
      scheduler: { intervalMs: 100, baseDelayMs: 50, maxDelayMs: 200, maxAttempts },
    });
    Object.assign(served, { server, dataDir, flaky });
  });
  afterAll(async () => {
    await served.server?.close();
    if (served.dataDir) await rm(served.dataDir, { recursive: true, force: true });
  });
  return served;
}

const schedulerSuite = (kind: StoreKind) => {
  const s = useSchedulerServer(kind, 3);
  const url = () => s.server.url;
  const fileOf = (vid: string) => join(s.dataDir, 'videos', vid);
  const fileGone = (vid: string) => eventually(`the file of ${vid} removed`, () => !existsSync(fileOf(vid)), 5000);
  const queueEmpty = () =>
    eventually('the queue empty', async () => (await s.server.store.deletions.list(100)).length === 0, 5000);
  const stream = (vid: string) => fetchBytes(url(), `/stream/videos/${vid}`);
  const schedule = (vid: string, token?: string) =>
    call(url(), 'DELETE', `/scheduler/videos/${vid}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  let n = 0;
  /** A new user's ready video, its file on disk. */
  const readyVideo = async (owner?: Awaited<ReturnType<typeof register>>) => {
    const user = owner ?? (await register(url(), `sched.${kind.name}.${++n}`));
    const video = await createVideo(url(), user);
    const uploaded = await uploadRaw(url(), video.id, user.session, mp4Bytes(2048));
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(existsSync(fileOf(video.id))).toBe(true);
    expect((await stream(video.id)).status).toBe(200);
    return { user, vid: video.id };
  };

  describe('DELETE /scheduler/videos/:vid', () => {
    it('401 without a token and with a wrong one, in the one error shape', async () => {
      const { vid } = await readyVideo();
      expectError(await schedule(vid), 401, 'UNAUTHENTICATED');
      expectError(await schedule(vid, 'not-the-scheduler-token'), 401, 'UNAUTHENTICATED');
      expectError(
        await call(url(), 'DELETE', `/scheduler/videos/${vid}`, { headers: { authorization: TOKEN } }),
        401,
        'UNAUTHENTICATED',
      );
      expect((await stream(vid)).status).toBe(200);
      expect(existsSync(fileOf(vid))).toBe(true);
    });

    it('400 for a bad id', async () => {
      expectError(await schedule('123', TOKEN), 400, 'VALIDATION');
      expectError(await schedule('6F1C2A3E-0B4D-4E5F-8A6B-7C8D9E0F1A2B-x', TOKEN), 400, 'VALIDATION');
    });

    it('200 queued, twice; the video and stream are 404 at once and the file goes within seconds', async () => {
      const { vid } = await readyVideo();
      expect(expectJson(await schedule(vid, TOKEN), 200, Queued)).toEqual({ video_id: vid, queued: true });
      expectError(await call(url(), 'GET', `/api/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');
      expect((await stream(vid)).status).toBe(404);
      expect(expectJson(await schedule(vid, TOKEN), 200, Queued)).toEqual({ video_id: vid, queued: true });
      await fileGone(vid);
      await queueEmpty();
      // After the work is done a call is still 200 (and finds nothing left to do).
      expect(expectJson(await schedule(vid, TOKEN), 200, Queued)).toEqual({ video_id: vid, queued: true });
      await queueEmpty();
    });

    it('an unknown id is queued too, and its (missing) file counts as deleted', async () => {
      expect(expectJson(await schedule(UNKNOWN_VID, TOKEN), 200, Queued)).toEqual({
        video_id: UNKNOWN_VID,
        queued: true,
      });
      await queueEmpty();
    });
  });

  describe('API deletes go through the queue', () => {
    it('DELETE /api/videos/:vid: stream 404 at once, file and comments gone, no queue row left', async () => {
      const { user, vid } = await readyVideo();
      await postComment(url(), user.session, vid, 'first');
      await postComment(url(), user.session, vid, 'second');
      expectNoContent(await call(url(), 'DELETE', `/api/videos/${vid}`, { session: user.session }));
      expect((await stream(vid)).status).toBe(404);
      expectError(await call(url(), 'GET', `/api/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');
      await fileGone(vid);
      await queueEmpty();
      expect(await s.server.store.comments.listByVideo(vid, { limit: 10 })).toEqual([]);
      expect(await s.server.store.videos.find(vid)).toBeUndefined();
    });

    it("DELETE /api/user/:name: every file of that user's videos gone, queue empty", async () => {
      const first = await readyVideo();
      const second = await readyVideo(first.user);
      const third = await readyVideo(first.user);
      const other = await readyVideo();
      const { userName, pwd, session } = first.user;
      expectNoContent(await call(url(), 'DELETE', `/api/user/${userName}`, { session, body: { pwd } }));
      for (const { vid } of [first, second, third]) expect((await stream(vid)).status).toBe(404);
      for (const { vid } of [first, second, third]) await fileGone(vid);
      await queueEmpty();
      expect(existsSync(fileOf(other.vid))).toBe(true);
      expect((await stream(other.vid)).status).toBe(200);
    });
  });

  describe('retries', () => {
    it('a storage that fails twice deletes on the third attempt', async () => {
      const { vid } = await readyVideo();
      s.flaky.failures.set(vid, 2);
      expectJson(await schedule(vid, TOKEN), 200, Queued);
      await fileGone(vid);
      await queueEmpty();
      expect(s.flaky.calls.filter((id) => id === vid)).toHaveLength(3);
      expect(s.flaky.failures.get(vid)).toBe(0);
    });

    it('a file already gone before the runner runs is a success; the rows are removed', async () => {
      const { user, vid } = await readyVideo();
      await rm(fileOf(vid));
      expectNoContent(await call(url(), 'DELETE', `/api/videos/${vid}`, { session: user.session }));
      await queueEmpty();
      expect(await s.server.store.videos.find(vid)).toBeUndefined();
      expect(s.flaky.calls.filter((id) => id === vid)).toHaveLength(1);
    });

    it('/healthz shows the scheduler queue: queued while a deletion is under way, then empty', async () => {
      const { vid } = await readyVideo();
      let open = () => {};
      s.flaky.gates.set(
        vid,
        new Promise<void>((resolve) => {
          open = resolve;
        }),
      );
      expectJson(await schedule(vid, TOKEN), 200, Queued);
      await eventually('the deletion started', () => s.flaky.calls.includes(vid), 5000);
      const waiting = expectJson(await call(url(), 'GET', '/healthz'), 200, Health);
      expect(waiting.scheduler).toEqual({ queued: 1, dead: 0, dead_video_ids: [] });
      open();
      await fileGone(vid);
      await queueEmpty();
      const idle = expectJson(await call(url(), 'GET', '/healthz'), 200, Health);
      expect(idle).toMatchObject({ services: ['api', 'stream', 'scheduler'] });
      expect(idle.scheduler).toEqual({ queued: 0, dead: 0, dead_video_ids: [] });
    });
  });

  describe('dead rows', () => {
    const d = useSchedulerServer(kind, 2);

    it('a storage that always fails: after maxAttempts 2 the row is kept as dead and reported', async () => {
      const user = await register(d.server.url, `dead.${kind.name}`);
      const video = await createVideo(d.server.url, user);
      expect((await uploadRaw(d.server.url, video.id, user.session, mp4Bytes(1024))).status).toBe(200);
      d.flaky.always.add(video.id);
      const queued = await call(d.server.url, 'DELETE', `/scheduler/videos/${video.id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expectJson(queued, 200, Queued);
      await eventually(
        'the row dead',
        async () => (await d.server.store.deletions.list(10)).some((row) => row.dead),
        5000,
      );
      const health = expectJson(await call(d.server.url, 'GET', '/healthz'), 200, Health);
      expect(health.scheduler).toEqual({ queued: 0, dead: 1, dead_video_ids: [video.id] });
      const rows = await d.server.store.deletions.list(10);
      expect(rows).toEqual([
        expect.objectContaining({
          videoId: video.id,
          attempts: 2,
          dead: true,
          lastError: expect.stringContaining('disk refuses'),
        }),
      ]);
      expect(d.flaky.calls).toEqual([video.id, video.id]);
      // Dead is dead: nothing claims it again, the file stays for an operator.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(d.flaky.calls).toHaveLength(2);
      expect(existsSync(join(d.dataDir, 'videos', video.id))).toBe(true);
      expect((await fetchBytes(d.server.url, `/stream/videos/${video.id}`)).status).toBe(404);
    });
  });
};

eachStore('scheduler over HTTP', schedulerSuite);
