import { contract } from '@vodkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson } from './support/http.js';
import { commentPages, createVideo, eachStore, postComment, useServer } from './support/suite.js';

const api = contract.api;
const UNKNOWN_VID = '0e7d9c4b-3a2f-4c1d-9e8b-5a6f7c8d9e0f';

const commentsSuite = (kind: StoreKind) => {
  const server = useServer(kind);
  let owner: Awaited<ReturnType<typeof register>>;
  let fan: Awaited<ReturnType<typeof register>>;
  let video: Awaited<ReturnType<typeof createVideo>>;
  beforeAll(async () => {
    owner = await register(server.url, 'cm.owner');
    fan = await register(server.url, 'cm.fan');
    video = await createVideo(server.url, owner, 'commented');
  });

  const comment = (vid: string, body: unknown, session?: string) =>
    call(server.url, 'POST', `/api/videos/${vid}/comments`, { ...(session ? { session } : {}), body });

  describe('GET /api/videos/:vid/comments', () => {
    it('200 every comment of the video, newest first, across pages', async () => {
      const target = await createVideo(server.url, owner, 'paged');
      const elsewhere = await createVideo(server.url, owner, 'elsewhere');
      await postComment(server.url, fan.session, elsewhere.id, 'not on the paged video');
      const posted = [];
      for (let i = 0; i < 5; i++) {
        posted.push(await postComment(server.url, i % 2 ? owner.session : fan.session, target.id, `comment ${i}`));
      }
      const pages = await commentPages(server.url, target.id, 2);
      expect(pages.map((page) => page.comments.length)).toEqual([2, 2, 1]);
      expect(pages.at(-1)?.next_cursor).toBeNull();
      expect(pages.flatMap((page) => page.comments)).toEqual([...posted].reverse());
      expect(posted.map((one) => one.author)).toEqual(['cm.fan', 'cm.owner', 'cm.fan', 'cm.owner', 'cm.fan']);
    });

    it('200 an empty page for a video without comments', async () => {
      const quiet = await createVideo(server.url, owner, 'quiet');
      const page = expectJson(
        await call(server.url, 'GET', `/api/videos/${quiet.id}/comments`),
        200,
        api.listComments.responses[200],
      );
      expect(page).toEqual({ comments: [], next_cursor: null });
    });

    it('400 VALIDATION for a bad id, limit or cursor', async () => {
      for (const path of [
        '/api/videos/nope/comments',
        `/api/videos/${video.id}/comments?limit=0`,
        `/api/videos/${video.id}/comments?limit=101`,
        `/api/videos/${video.id}/comments?cursor=not-ours`,
      ]) {
        expectError(await call(server.url, 'GET', path), 400, 'VALIDATION');
      }
    });

    it('404 VIDEO_NOT_FOUND for an unknown video', async () => {
      expectError(await call(server.url, 'GET', `/api/videos/${UNKNOWN_VID}/comments`), 404, 'VIDEO_NOT_FOUND');
    });
  });

  describe('POST /api/videos/:vid/comments', () => {
    it('201 the comment, from any signed-in user, listed at once', async () => {
      const answer = await comment(video.id.toUpperCase(), { content: 'great video' }, fan.session);
      const created = expectJson(answer, 201, api.createComment.responses[201]);
      expect(created).toMatchObject({ video_id: video.id, author: 'cm.fan', content: 'great video' });
      const [first] = await commentPages(server.url, video.id, 1);
      expect(first?.comments).toEqual([created]);
    });

    it('201 for content of 1 and of 2000 characters, multi-byte and control characters included', async () => {
      for (const content of ['!', 'c'.repeat(2000), 'é'.repeat(2000), '😀'.repeat(1000), 'line\nbreak\u0000\r\n--']) {
        const created = expectJson(
          await comment(video.id, { content }, owner.session),
          201,
          api.createComment.responses[201],
        );
        expect(created.content).toBe(content);
        const [first] = await commentPages(server.url, video.id, 1);
        expect(first?.comments[0]?.content).toBe(content);
      }
    });

    it('400 VALIDATION for empty or missing content', async () => {
      for (const body of [{ content: '' }, {}]) {
        const answer = await comment(video.id, body, fan.session);
        expectError(answer, 400, 'VALIDATION');
        expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path: 'body.content' }));
      }
    });

    it('401 UNAUTHENTICATED without a session, and nothing is posted', async () => {
      const target = await createVideo(server.url, owner, 'anonymous target');
      expectError(await comment(target.id, { content: 'anonymous' }), 401, 'UNAUTHENTICATED');
      expect((await commentPages(server.url, target.id, 10))[0]?.comments).toEqual([]);
    });

    it('404 VIDEO_NOT_FOUND for an unknown video', async () => {
      expectError(await comment(UNKNOWN_VID, { content: 'hello?' }, fan.session), 404, 'VIDEO_NOT_FOUND');
    });
  });
};

eachStore('comments over HTTP', commentsSuite);
