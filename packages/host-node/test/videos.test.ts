import { contract } from '@vodkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent } from './support/http.js';
import { createVideo, eachStore, postComment, UNKNOWN_VID, useServer, videoPages } from './support/suite.js';

const api = contract.api;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const videosSuite = (kind: StoreKind) => {
  const server = useServer(kind);

  const getVideo = (id: string) => call(server.url, 'GET', `/api/videos/${id}`);
  const commentOn = (vid: string, session: string) =>
    call(server.url, 'POST', `/api/videos/${vid}/comments`, { session, body: { content: 'too late' } });

  describe('POST /api/user/:user_name/videos', () => {
    it('201 a pending video that reads back the same', async () => {
      const owner = await register(server.url, 'cv.owner');
      const video = await createVideo(server.url, owner, 'first cut');
      expect(video).toMatchObject({
        author: 'cv.owner',
        name: 'first cut',
        status: 'pending',
        size: null,
        content_type: null,
        stream_url: `/stream/videos/${video.id}`,
      });
      expect(video.id).toMatch(UUID_V4);
      expect(expectJson(await getVideo(video.id), 200, api.getVideo.responses[200])).toEqual(video);
    });

    it('201 for names of 1 and of 200 characters, multi-byte and control characters included', async () => {
      const owner = await register(server.url, 'cv.edges');
      for (const name of [
        'x',
        'n'.repeat(200),
        'é'.repeat(200),
        '🎬'.repeat(100),
        'nul\u0000, tab\t, \uffff, <b>\'"',
      ]) {
        const video = await createVideo(server.url, owner, name);
        expect(expectJson(await getVideo(video.id), 200, api.getVideo.responses[200]).name).toBe(name);
      }
    });

    it('400 VALIDATION for an empty name', async () => {
      const owner = await register(server.url, 'cv.empty');
      const answer = await call(server.url, 'POST', '/api/user/cv.empty/videos', {
        session: owner.session,
        body: { name: '' },
      });
      expectError(answer, 400, 'VALIDATION');
      expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path: 'body.name' }));
    });

    it("401 without a session, 403 FORBIDDEN under another user's name, and nothing is created", async () => {
      const owner = await register(server.url, 'cv.victim');
      const other = await register(server.url, 'cv.other');
      const path = '/api/user/cv.victim/videos';
      expectError(await call(server.url, 'POST', path, { body: { name: 'sneaky' } }), 401, 'UNAUTHENTICATED');
      expectError(
        await call(server.url, 'POST', path, { session: other.session, body: { name: 'sneaky' } }),
        403,
        'FORBIDDEN',
      );
      expect((await videoPages(server.url, owner.userName, 10))[0]?.videos).toEqual([]);
    });
  });

  describe('GET /api/user/:user_name/videos', () => {
    let created: Awaited<ReturnType<typeof createVideo>>[];
    beforeAll(async () => {
      const owner = await register(server.url, 'lv.owner');
      const other = await register(server.url, 'lv.other');
      await createVideo(server.url, other, 'not in the list');
      created = [];
      for (let i = 0; i < 7; i++) created.push(await createVideo(server.url, owner, `video ${i}`));
    });

    it('200 every video, pending included, newest first, across pages', async () => {
      const pages = await videoPages(server.url, 'lv.owner', 3);
      expect(pages.map((page) => page.videos.length)).toEqual([3, 3, 1]);
      expect(pages.at(-1)?.next_cursor).toBeNull();
      expect(pages.flatMap((page) => page.videos)).toEqual([...created].reverse());
      expect(new Set(pages.flatMap((page) => page.videos.map((video) => video.status)))).toEqual(new Set(['pending']));
    });

    it('no next page when the last one is exactly full', async () => {
      expect((await videoPages(server.url, 'lv.owner', 7)).map((page) => page.next_cursor)).toEqual([null]);
      expect((await videoPages(server.url, 'lv.owner', 1)).length).toBe(7);
    });

    it('limit defaults to 20 and goes up to 100', async () => {
      const many = await register(server.url, 'lv.many');
      for (let i = 0; i < 21; i++) await createVideo(server.url, many, `bulk ${i}`);
      const first = expectJson(
        await call(server.url, 'GET', '/api/user/lv.many/videos'),
        200,
        api.listVideos.responses[200],
      );
      expect(first.videos).toHaveLength(20);
      expect(first.next_cursor).not.toBeNull();
      const all = expectJson(
        await call(server.url, 'GET', '/api/user/lv.many/videos?limit=100'),
        200,
        api.listVideos.responses[200],
      );
      expect(all.videos).toHaveLength(21);
      expect(all.next_cursor).toBeNull();
    });

    it('200 an empty page for a user without videos', async () => {
      await register(server.url, 'lv.none');
      const page = expectJson(
        await call(server.url, 'GET', '/api/user/lv.none/videos'),
        200,
        api.listVideos.responses[200],
      );
      expect(page).toEqual({ videos: [], next_cursor: null });
    });

    it.each(['0', '101', '-1', '1.5', 'ten', '', '1e3'])('400 VALIDATION for limit=%s', async (limit) => {
      const answer = await call(server.url, 'GET', `/api/user/lv.owner/videos?limit=${limit}`);
      expectError(answer, 400, 'VALIDATION');
      expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path: 'query.limit' }));
    });

    it('400 VALIDATION for a cursor this API did not make', async () => {
      const [page] = await videoPages(server.url, 'lv.owner', 2);
      const real = page?.next_cursor as string;
      const forged = Buffer.from(`0.${UNKNOWN_VID}' OR 1=1`).toString('base64url');
      for (const cursor of ['garbage!', 'x'.repeat(201), forged, `${real}A`, real.slice(0, -2)]) {
        const answer = await call(server.url, 'GET', `/api/user/lv.owner/videos?cursor=${encodeURIComponent(cursor)}`);
        expectError(answer, 400, 'VALIDATION');
      }
    });

    it('404 USER_NOT_FOUND for an unknown user, 400 for a name that cannot exist', async () => {
      expectError(await call(server.url, 'GET', '/api/user/lv.nobody/videos'), 404, 'USER_NOT_FOUND');
      expectError(await call(server.url, 'GET', '/api/user/no!/videos'), 400, 'VALIDATION');
    });
  });

  describe('GET /api/videos/:vid', () => {
    it('200 the video, also when asked for in upper case', async () => {
      const video = await createVideo(server.url, await register(server.url, 'gv.owner'));
      expect(expectJson(await getVideo(video.id.toUpperCase()), 200, api.getVideo.responses[200])).toEqual(video);
    });

    it('400 VALIDATION for an id that is not a UUID, 404 VIDEO_NOT_FOUND for an unknown one', async () => {
      const answer = await getVideo('not-a-uuid');
      expectError(answer, 400, 'VALIDATION');
      expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path: 'params.vid' }));
      expectError(await getVideo(UNKNOWN_VID), 404, 'VIDEO_NOT_FOUND');
    });
  });

  describe('DELETE /api/videos/:vid', () => {
    it('204, then gone from every read and queued for the scheduler', async () => {
      const owner = await register(server.url, 'dv.owner');
      const kept = await createVideo(server.url, owner, 'kept');
      const doomed = await createVideo(server.url, owner, 'doomed');
      await postComment(server.url, owner.session, doomed.id);

      expectNoContent(await call(server.url, 'DELETE', `/api/videos/${doomed.id}`, { session: owner.session }));

      expectError(await getVideo(doomed.id), 404, 'VIDEO_NOT_FOUND');
      expect((await videoPages(server.url, 'dv.owner', 10)).flatMap((page) => page.videos)).toEqual([kept]);
      expectError(await call(server.url, 'GET', `/api/videos/${doomed.id}/comments`), 404, 'VIDEO_NOT_FOUND');
      expectError(await commentOn(doomed.id, owner.session), 404, 'VIDEO_NOT_FOUND');
      expectError(
        await call(server.url, 'DELETE', `/api/videos/${doomed.id}`, { session: owner.session }),
        404,
        'VIDEO_NOT_FOUND',
      );
      expect((await server.store.deletions.list(1000)).map((row) => row.videoId)).toContain(doomed.id);
    });

    it('401 without a session, 403 FORBIDDEN for another user, and the video stays', async () => {
      const owner = await register(server.url, 'dv.keeper');
      const other = await register(server.url, 'dv.intruder');
      const video = await createVideo(server.url, owner);
      expectError(await call(server.url, 'DELETE', `/api/videos/${video.id}`), 401, 'UNAUTHENTICATED');
      expectError(
        await call(server.url, 'DELETE', `/api/videos/${video.id}`, { session: other.session }),
        403,
        'FORBIDDEN',
      );
      expect(expectJson(await getVideo(video.id), 200, api.getVideo.responses[200])).toEqual(video);
    });

    it('404 VIDEO_NOT_FOUND for an unknown video, 400 for a bad id', async () => {
      const owner = await register(server.url, 'dv.lost');
      expectError(
        await call(server.url, 'DELETE', `/api/videos/${UNKNOWN_VID}`, { session: owner.session }),
        404,
        'VIDEO_NOT_FOUND',
      );
      expectError(await call(server.url, 'DELETE', '/api/videos/123', { session: owner.session }), 400, 'VALIDATION');
    });
  });
};

eachStore('videos over HTTP', videosSuite);
