import { contract } from '@vodkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  call,
  createVideo,
  eventually,
  expectError,
  expectJson,
  expectNoContent,
  heldBody,
  JSON_TYPE,
  mp4Bytes,
  parseByteranges,
  postComment,
  readyVideo,
  register,
  sleep,
  streamOf,
  UNKNOWN_VID,
  type User,
  uploadForm,
  uploadRaw,
  webmBytes,
} from './support.js';
import type { StartTarget, Target } from './targets.js';

const api = contract.api;
const Queued = contract.scheduler.deleteVideo.responses[200];
const Health = contract.health.health.responses[200];

const SCHEDULER_TOKEN = 'conformance-scheduler-token-0123';
const MAIN_MAX_UPLOAD = 1024 * 1024;
/** Big enough that loopback socket buffers cannot take a whole unread download, so it stays in flight. */
const BIG_FILE = 16 * 1024 * 1024;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The HTTP surface of design.md, asked of one target. Every host answers the same
 * requests the same way; a test that fails on one host only is a bug in that host.
 */
export function conformance(name: string, start: StartTarget) {
  describe(`conformance: ${name}`, () => {
    // Two instances: `main` with a small upload limit and tokens to spare; `single` with one
    // token, so a test can see who holds it, and room for files bigger than socket buffers.
    let main: Target;
    let single: Target;
    beforeAll(async () => {
      [main, single] = await Promise.all([
        start({ streamTokens: 64, maxUploadBytes: MAIN_MAX_UPLOAD, schedulerToken: SCHEDULER_TOKEN }),
        start({ streamTokens: 1, maxUploadBytes: 4 * BIG_FILE, schedulerToken: SCHEDULER_TOKEN }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([main?.close(), single?.close()]);
    });

    describe('API', () => {
      const me = (userName: string, headers: Record<string, string> = {}) =>
        call(main, `/api/user/${userName}`, { headers });

      it('register: 201 with a session grant; 409 USER_EXISTS for the same name', async () => {
        const answer = await call(main, '/api/register', {
          method: 'POST',
          json: { user_name: 'reg.ok', pwd: 'password1' },
        });
        const grant = expectJson(answer, 201, api.register.responses[201]);
        expect(grant.user_name).toBe('reg.ok');
        expect(grant.session_id.length).toBeGreaterThan(0);
        expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());
        const again = await call(main, '/api/register', {
          method: 'POST',
          json: { user_name: 'reg.ok', pwd: 'other password' },
        });
        expectError(again, 409, 'USER_EXISTS');
      });

      it('register: 400 VALIDATION naming each bad field, 400 MALFORMED_JSON, 415 for a body not JSON', async () => {
        const invalid = await call(main, '/api/register', { method: 'POST', json: { user_name: 'ab', pwd: 'short' } });
        expectError(invalid, 400, 'VALIDATION');
        const paths = invalid.body.error.details.map((detail: { path: string }) => detail.path);
        expect(paths).toEqual(expect.arrayContaining(['body.user_name', 'body.pwd']));

        const malformed = await call(main, '/api/register', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"user_name": "reg.bad",',
        });
        expectError(malformed, 400, 'MALFORMED_JSON');

        const text = await call(main, '/api/register', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ user_name: 'reg.text', pwd: 'password1' }),
        });
        expectError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });

      it('login: 200 a new session; 401 BAD_CREDENTIALS for a wrong password or an unknown user', async () => {
        const user = await register(main, 'login.ok');
        const answer = await call(main, '/api/login', {
          method: 'POST',
          json: { user_name: user.userName, pwd: user.pwd },
        });
        const grant = expectJson(answer, 200, api.login.responses[200]);
        expect(grant.user_name).toBe('login.ok');
        expect(grant.session_id).not.toBe(user.session);
        for (const json of [
          { user_name: 'login.ok', pwd: 'wrong password' },
          { user_name: 'login.nobody', pwd: 'whatever1' },
        ]) {
          expectError(await call(main, '/api/login', { method: 'POST', json }), 401, 'BAD_CREDENTIALS');
        }
      });

      it('getUser: 200 by X-Session-Id or Bearer; 403 for another user; 401 without a session', async () => {
        const user = await register(main, 'get.me');
        await register(main, 'get.other');
        const ways: Record<string, string>[] = [
          { 'x-session-id': user.session },
          { authorization: `Bearer ${user.session}` },
        ];
        for (const headers of ways) {
          const body = expectJson(await me('get.me', headers), 200, api.getUser.responses[200]);
          expect(body.user_name).toBe('get.me');
        }
        expectError(await me('get.other', { 'x-session-id': user.session }), 403, 'FORBIDDEN');
        expectError(await me('get.me'), 401, 'UNAUTHENTICATED');
      });

      it('videos: 201 pending; listed newest first across limit+cursor pages; 200, 404, 400 by id', async () => {
        const owner = await register(main, 'vid.owner');
        const created = [];
        for (let i = 0; i < 5; i++) created.push(await createVideo(main, owner, `video ${i}`));
        expect(created[0]).toMatchObject({
          author: 'vid.owner',
          name: 'video 0',
          status: 'pending',
          size: null,
          content_type: null,
        });
        expect(created[0]?.id).toMatch(UUID_V4);

        const pages = [];
        let cursor: string | null = null;
        do {
          const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = expectJson(
            await call(main, `/api/user/vid.owner/videos${query}`),
            200,
            api.listVideos.responses[200],
          );
          pages.push(page);
          cursor = page.next_cursor;
        } while (cursor && pages.length < 10);
        expect(pages.map((page) => page.videos.length)).toEqual([2, 2, 1]);
        expect(pages.flatMap((page) => page.videos)).toEqual([...created].reverse());

        const one = created[2];
        expect(expectJson(await call(main, `/api/videos/${one?.id}`), 200, api.getVideo.responses[200])).toEqual(one);
        expectError(await call(main, `/api/videos/${UNKNOWN_VID}`), 404, 'VIDEO_NOT_FOUND');
        expectError(await call(main, '/api/videos/not-a-uuid'), 400, 'VALIDATION');
      });

      it('comments: 201 the comment, listed newest first', async () => {
        const owner = await register(main, 'cm.owner');
        const fan = await register(main, 'cm.fan');
        const video = await createVideo(main, owner, 'commented');
        const first = await postComment(main, fan.session, video.id, 'first!');
        expect(first).toMatchObject({ video_id: video.id, author: 'cm.fan', content: 'first!' });
        const second = await postComment(main, owner.session, video.id, 'thanks');
        const list = expectJson(
          await call(main, `/api/videos/${video.id}/comments`),
          200,
          api.listComments.responses[200],
        );
        expect(list).toEqual({ comments: [second, first], next_cursor: null });
      });

      it('delete video: 204, then 404', async () => {
        const owner = await register(main, 'dv.owner');
        const video = await createVideo(main, owner);
        expectNoContent(await call(main, `/api/videos/${video.id}`, { method: 'DELETE', session: owner.session }));
        expectError(await call(main, `/api/videos/${video.id}`), 404, 'VIDEO_NOT_FOUND');
      });

      it('logout: 204, then the session is refused', async () => {
        const user = await register(main, 'logout.ok');
        expectNoContent(await call(main, '/api/logout', { method: 'POST', session: user.session }));
        expectError(await me('logout.ok', { 'x-session-id': user.session }), 401, 'UNAUTHENTICATED');
      });

      it('delete user: 204, then the password no longer logs in', async () => {
        const user = await register(main, 'du.gone');
        const answer = await call(main, '/api/user/du.gone', {
          method: 'DELETE',
          session: user.session,
          json: { pwd: user.pwd },
        });
        expectNoContent(answer);
        const login = await call(main, '/api/login', { method: 'POST', json: { user_name: 'du.gone', pwd: user.pwd } });
        expectError(login, 401, 'BAD_CREDENTIALS');
      });

      it('routing: 404 NOT_FOUND for an unknown path, 405 with Allow for a wrong method', async () => {
        expectError(await call(main, '/api/nope'), 404, 'NOT_FOUND');
        const wrong = await call(main, '/api/register');
        expectError(wrong, 405, 'METHOD_NOT_ALLOWED');
        expect(wrong.headers.get('allow')).toBe('POST');
        const patch = await call(main, `/api/videos/${UNKNOWN_VID}`, { method: 'PATCH' });
        expectError(patch, 405, 'METHOD_NOT_ALLOWED');
        expect(patch.headers.get('allow')).toBe('DELETE, GET, HEAD');
      });

      it('HEAD on a GET route: 200, the headers of GET, no body', async () => {
        const video = await createVideo(main, await register(main, 'head.owner'));
        const [got, head] = [
          await call(main, `/api/videos/${video.id}`),
          await call(main, `/api/videos/${video.id}`, { method: 'HEAD' }),
        ];
        expect({ status: head.status, length: head.bytes.length }).toEqual({ status: 200, length: 0 });
        expect(head.headers.get('content-type')).toBe(JSON_TYPE);
        expect(head.headers.get('content-length')).toBe(got.headers.get('content-length'));
      });
    });

    describe('stream', () => {
      const SIZE = 300_000;
      const file = mp4Bytes(SIZE);
      let path: string;
      let whole: Answer;
      const get = (headers: Record<string, string> = {}, method = 'GET') => call(main, path, { method, headers });

      /** A 206 of one part: status, Content-Range, length and the file's bytes. */
      const expectPartial = (answer: Answer, first: number, last: number) => {
        expect({ status: answer.status, range: answer.headers.get('content-range') }).toEqual({
          status: 206,
          range: `bytes ${first}-${last}/${SIZE}`,
        });
        expect(answer.headers.get('content-length')).toBe(String(last - first + 1));
        expect(answer.headers.get('content-type')).toBe('video/mp4');
        expect(answer.bytes.equals(file.subarray(first, last + 1))).toBe(true);
      };

      beforeAll(async () => {
        const video = await readyVideo(main, await register(main, 'streamer'), file);
        expect({ size: video.size, content_type: video.content_type }).toEqual({
          size: SIZE,
          content_type: 'video/mp4',
        });
        path = `/stream/videos/${video.id}`;
        whole = await get();
      });

      it('200 the whole file with its length, type, Accept-Ranges and validators', () => {
        expect(whole.status).toBe(200);
        expect(whole.headers.get('content-length')).toBe(String(SIZE));
        expect(whole.headers.get('content-type')).toBe('video/mp4');
        expect(whole.headers.get('accept-ranges')).toBe('bytes');
        expect(whole.headers.get('etag')).toMatch(/^"[^"]+"$/);
        const lastModified = whole.headers.get('last-modified') ?? '';
        expect(new Date(lastModified).toUTCString()).toBe(lastModified);
        expect(whole.bytes.equals(file)).toBe(true);
      });

      it('206 for bytes=10-19, bytes=-5 and bytes=100-', async () => {
        expectPartial(await get({ range: 'bytes=10-19' }), 10, 19);
        expectPartial(await get({ range: 'bytes=-5' }), SIZE - 5, SIZE - 1);
        expectPartial(await get({ range: 'bytes=100-' }), 100, SIZE - 1);
      });

      it('206 multipart/byteranges for two ranges', async () => {
        const answer = await get({ range: 'bytes=0-9, 1000-1999' });
        expect(answer.status).toBe(206);
        const type = answer.headers.get('content-type') ?? '';
        expect(type).toMatch(/^multipart\/byteranges; boundary=/);
        const parts = parseByteranges(type, answer.bytes);
        expect(parts.map((part) => [part.contentType, part.contentRange])).toEqual([
          ['video/mp4', `bytes 0-9/${SIZE}`],
          ['video/mp4', `bytes 1000-1999/${SIZE}`],
        ]);
        expect(parts[0]?.bytes.equals(file.subarray(0, 10))).toBe(true);
        expect(parts[1]?.bytes.equals(file.subarray(1000, 2000))).toBe(true);
      });

      it('416 with Content-Range: bytes */size when no range is satisfiable', async () => {
        const answer = await get({ range: `bytes=${SIZE}-` });
        expectError(answer, 416, 'RANGE_NOT_SATISFIABLE');
        expect(answer.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      });

      it('304 for If-None-Match with the ETag; If-Range with another tag gives the whole file', async () => {
        const etag = whole.headers.get('etag') ?? '';
        const notModified = await get({ 'if-none-match': etag });
        expect({ status: notModified.status, length: notModified.bytes.length }).toEqual({ status: 304, length: 0 });
        const stale = await get({ range: 'bytes=10-19', 'if-range': '"not-this-file"' });
        expect(stale.status).toBe(200);
        expect(stale.bytes.equals(file)).toBe(true);
      });

      it('HEAD: the headers of GET and no body', async () => {
        const head = await get({}, 'HEAD');
        expect({ status: head.status, length: head.bytes.length }).toEqual({ status: 200, length: 0 });
        for (const name of ['content-length', 'content-type', 'accept-ranges', 'etag', 'last-modified']) {
          expect({ name, value: head.headers.get(name) }).toEqual({ name, value: whole.headers.get(name) });
        }
      });

      it('multipart/form-data upload (field `file`): 200 ready with the sniffed type, streamed back', async () => {
        const owner = await register(main, 'form.owner');
        const video = await createVideo(main, owner);
        const bytes = webmBytes(50_000);
        const uploaded = expectJson(
          await uploadForm(main, video.id, owner.session, bytes),
          200,
          api.getVideo.responses[200],
        );
        expect(uploaded).toMatchObject({
          id: video.id,
          status: 'ready',
          size: bytes.length,
          content_type: 'video/webm',
        });
        const streamed = await call(main, `/stream/videos/${video.id}`);
        expect(streamed.headers.get('content-type')).toBe('video/webm');
        expect(streamed.bytes.equals(bytes)).toBe(true);
      });
    });

    describe('upload refusals', () => {
      let users = 0;
      /** A new user and a pending video of theirs. */
      const fresh = async () => {
        const owner = await register(main, `up.${++users}`);
        return { owner, vid: (await createVideo(main, owner)).id };
      };
      const expectPending = async (vid: string) => {
        const video = expectJson(await call(main, `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
        expect({ status: video.status, size: video.size }).toEqual({ status: 'pending', size: null });
        expectError(await call(main, `/stream/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');
      };

      it('401 without a session, 403 on another user’s video, 404 for an unknown one, 409 the second time', async () => {
        const { owner, vid } = await fresh();
        const other = await register(main, 'up.other');
        const bytes = mp4Bytes(1000);
        expectError(await uploadRaw(main, vid, undefined, bytes), 401, 'UNAUTHENTICATED');
        expectError(await uploadRaw(main, vid, other.session, bytes), 403, 'FORBIDDEN');
        expectError(await uploadRaw(main, UNKNOWN_VID, owner.session, bytes), 404, 'VIDEO_NOT_FOUND');
        await expectPending(vid);
        expect((await uploadRaw(main, vid, owner.session, bytes)).status).toBe(200);
        expectError(await uploadRaw(main, vid, owner.session, mp4Bytes(2000)), 409, 'ALREADY_UPLOADED');
        expect((await call(main, `/stream/videos/${vid}`)).bytes.equals(bytes)).toBe(true);
      });

      it('400 NOT_A_VIDEO, 400 EMPTY_UPLOAD, 415 for text/plain; the video stays pending', async () => {
        const { owner, vid } = await fresh();
        const text = Buffer.from('just some text, not a video\n'.repeat(100));
        expectError(await uploadRaw(main, vid, owner.session, text), 400, 'NOT_A_VIDEO');
        expectError(await uploadRaw(main, vid, owner.session, new Uint8Array()), 400, 'EMPTY_UPLOAD');
        expectError(
          await uploadRaw(main, vid, owner.session, mp4Bytes(1000), 'text/plain'),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
        await expectPending(vid);
      });

      it('413 over the limit, with a Content-Length and streamed without one; the video stays pending', async () => {
        const { owner, vid } = await fresh();
        const big = mp4Bytes(MAIN_MAX_UPLOAD + 1);
        expectError(await uploadRaw(main, vid, owner.session, big), 413, 'PAYLOAD_TOO_LARGE');
        expectError(await uploadRaw(main, vid, owner.session, streamOf(big)), 413, 'PAYLOAD_TOO_LARGE');
        await expectPending(vid);
        expect((await uploadRaw(main, vid, owner.session, mp4Bytes(MAIN_MAX_UPLOAD))).status).toBe(200);
      });
    });

    describe('token bucket (one token)', () => {
      let owner: Awaited<ReturnType<typeof register>>;
      let bigPath: string;
      /** Any stream request takes a token, so an unknown video asks "is there one free?" cheaply. */
      const probe = () => call(single, `/stream/videos/${UNKNOWN_VID}`);
      const tokenFree = async () => (await probe()).status !== 429;

      beforeAll(async () => {
        owner = await register(single, 'bucket.owner');
        bigPath = `/stream/videos/${(await readyVideo(single, owner, mp4Bytes(BIG_FILE))).id}`;
        // The upload's token goes back when its answer has been written, which can be a moment after the client has it.
        await eventually('the upload token back', tokenFree);
      });

      const expectTooMany = (answer: Answer) => {
        expectError(answer, 429, 'TOO_MANY_REQUESTS');
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      };

      it('a slow upload holds the token: GET is 429 with Retry-After, then 200 once it is done', async () => {
        const vid = (await createVideo(single, owner, 'slow')).id;
        const bytes = mp4Bytes(200_000);
        const slow = heldBody(bytes.subarray(0, 64 * 1024));
        const uploading = uploadRaw(single, vid, owner.session, slow.body);
        await slow.taken;
        // The request went out before any GET: a short wait lets the server take its token first.
        await sleep(100);
        expectTooMany(await call(single, bigPath, { headers: { range: 'bytes=0-9' } }));
        expectTooMany(await probe());
        // The API is not rationed.
        expect((await call(single, `/api/videos/${vid}`)).status).toBe(200);

        slow.push(bytes.subarray(64 * 1024));
        slow.end();
        expect((await uploading).status).toBe(200);
        await eventually('GET 200 again', async () => (await call(single, `/stream/videos/${vid}`)).status === 200);
      });

      it('an unread download holds the token; cancelling its body gives it back', async () => {
        await eventually('the token free', tokenFree);
        const response = await single.fetch(bigPath);
        expect(response.status).toBe(200);
        try {
          // The body is far bigger than what sockets buffer, so the server is still writing it.
          await sleep(100);
          expectTooMany(await probe());
        } finally {
          await response.body?.cancel();
        }
        await eventually('GET 200 after the cancel', async () => {
          const answer = await call(single, bigPath, { headers: { range: 'bytes=0-9' } });
          return answer.status === 206;
        });
      });

      it('an upload the client aborts gives its token back, leaves the video pending, and a retry succeeds', async () => {
        await eventually('the token free', tokenFree);
        const vid = (await createVideo(single, owner, 'aborted')).id;
        const bytes = mp4Bytes(200_000);
        const held = heldBody(bytes.subarray(0, 64 * 1024));
        const abort = new AbortController();
        const uploading = uploadRaw(single, vid, owner.session, held.body, 'video/mp4', abort.signal);
        await held.taken;
        await sleep(100);
        expectTooMany(await probe());
        abort.abort();
        // What the client sees of a request it gave up on is its own business: fetch over a
        // socket rejects, vodkit.fetch in-process resolves 499. The server's side is checked below.
        await uploading.catch(() => {});
        // Only a token back shows the server has finished with the aborted upload.
        await eventually('the token back after the abort', tokenFree);
        const video = expectJson(await call(single, `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
        expect({ status: video.status, size: video.size }).toEqual({ status: 'pending', size: null });
        expectError(await call(single, `/stream/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');

        const retried = await uploadRaw(single, vid, owner.session, bytes);
        expect(expectJson(retried, 200, api.getVideo.responses[200])).toMatchObject({
          status: 'ready',
          size: bytes.length,
        });
        const streamed = await call(single, `/stream/videos/${vid}`);
        expect(streamed.bytes.equals(bytes)).toBe(true);
      });
    });

    describe('scheduler route', () => {
      const schedule = (vid: string, authorization?: string) =>
        call(main, `/scheduler/videos/${vid}`, {
          method: 'DELETE',
          headers: authorization ? { authorization } : {},
        });

      it('401 without or with a wrong token, 400 for a bad id, 200 queued (twice); then the video is gone', async () => {
        const video = await readyVideo(main, await register(main, 'sched.owner'), mp4Bytes(2048));
        expectError(await schedule(video.id), 401, 'UNAUTHENTICATED');
        expectError(await schedule(video.id, 'Bearer not-the-scheduler-token'), 401, 'UNAUTHENTICATED');
        expect((await call(main, `/stream/videos/${video.id}`)).status).toBe(200);
        expectError(await schedule('not-a-uuid', `Bearer ${SCHEDULER_TOKEN}`), 400, 'VALIDATION');

        for (let i = 0; i < 2; i++) {
          const queued = expectJson(await schedule(video.id, `Bearer ${SCHEDULER_TOKEN}`), 200, Queued);
          expect(queued).toEqual({ video_id: video.id, queued: true });
        }
        await eventually('the stream 404', async () => (await call(main, `/stream/videos/${video.id}`)).status === 404);
        expectError(await call(main, `/stream/videos/${video.id}`), 404, 'VIDEO_NOT_FOUND');
        expectError(await call(main, `/api/videos/${video.id}`), 404, 'VIDEO_NOT_FOUND');
      });
    });

    describe('health', () => {
      it('GET /healthz: 200 with the api, stream and scheduler services', async () => {
        const health = expectJson(await call(main, '/healthz'), 200, Health);
        expect(health.status).toBe('ok');
        expect([...health.services].sort()).toEqual(['api', 'scheduler', 'stream']);
      });
    });

    describe('other origins: CORS and --stream-base-url', () => {
      const APP = 'https://app.example';
      const SECOND = 'http://localhost:5173';
      const STRANGER = 'https://stranger.example';
      const STREAM_BASE = 'https://stream.example';
      const ALLOW_HEADERS =
        'content-type, x-session-id, authorization, range, if-range, if-none-match, tus-resumable, upload-length, upload-offset, upload-metadata';
      const EXPOSED = ['Content-Range', 'Accept-Ranges', 'Content-Length', 'ETag', 'Last-Modified', 'Retry-After'];
      const FILE = mp4Bytes(4096);
      // `listed` allows two origins and prefixes stream_url; `anyOrigin` allows every origin.
      let listed: Target;
      let anyOrigin: Target;
      let owner: User;
      let vid: string;
      beforeAll(async () => {
        const options = { streamTokens: 64, maxUploadBytes: MAIN_MAX_UPLOAD, schedulerToken: SCHEDULER_TOKEN };
        [listed, anyOrigin] = await Promise.all([
          start({ ...options, corsOrigins: `${APP},${SECOND}`, streamBaseUrl: `${STREAM_BASE}/` }),
          start({ ...options, corsOrigins: '*' }),
        ]);
        owner = await register(listed, 'cors.owner');
        vid = (await readyVideo(listed, owner, FILE)).id;
      });
      afterAll(async () => {
        await Promise.all([listed?.close(), anyOrigin?.close()]);
      });

      const preflight = (target: Target, path: string, origin: string, method = 'POST') =>
        call(target, path, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': method,
            'access-control-request-headers': 'content-type, x-session-id',
          },
        });
      /** The CORS headers of an answer, by name. */
      const corsOf = (answer: Answer) =>
        Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith('access-control-')));
      /** What an actual answer to `origin` carries. */
      const expectAllowed = (answer: Answer, origin: string) => {
        expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
        const exposed = answer.headers.get('access-control-expose-headers')?.split(', ') ?? [];
        expect(exposed).toEqual(expect.arrayContaining(EXPOSED));
        expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
        if (origin !== '*') expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
      };

      it('preflight of POST /api/register from an allowed origin: 204, no session, the methods and headers', async () => {
        const answer = await preflight(listed, '/api/register', APP);
        expectNoContent(answer);
        expect(corsOf(answer)).toEqual({
          'access-control-allow-origin': APP,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': expect.stringMatching(/^[1-9]\d*$/),
        });
        expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
        expect(answer.headers.get('vary')).toMatch(/Access-Control-Request-Method/);
        expect(corsOf(await preflight(listed, '/api/register', SECOND))['access-control-allow-origin']).toBe(SECOND);
      });

      it('preflights list the methods each path serves, on every service', async () => {
        const methods = async (path: string, method: string) =>
          (await preflight(listed, path, APP, method)).headers.get('access-control-allow-methods');
        expect(await methods(`/stream/videos/${vid}`, 'GET')).toBe('GET, HEAD');
        expect(await methods(`/upload/videos/${vid}`, 'POST')).toBe('POST');
        expect(await methods('/api/user/cors.owner', 'DELETE')).toBe('DELETE, GET, HEAD');
        expect(await methods(`/scheduler/videos/${vid}`, 'DELETE')).toBe('DELETE');
        expect(await methods('/healthz', 'GET')).toBe('GET, HEAD');
        // No route there: not a preflight vodkit answers, the 404 of the path (with the origin, so a page can read it).
        const nowhere = await preflight(listed, '/nowhere', APP);
        expectError(nowhere, 404, 'NOT_FOUND');
        expect(nowhere.headers.get('access-control-allow-methods')).toBeNull();
      });

      it('answers to an allowed origin carry the origin, the exposed headers and Vary: Origin', async () => {
        const health = await call(listed, '/healthz', { headers: { origin: APP } });
        expectJson(health, 200, Health);
        expectAllowed(health, APP);
        const created = await call(listed, `/api/user/${owner.userName}/videos`, {
          method: 'POST',
          session: owner.session,
          headers: { origin: SECOND },
          json: { name: 'from a page' },
        });
        expectJson(created, 201, api.createVideo.responses[201]);
        expectAllowed(created, SECOND);
        const uploaded = await uploadRaw(listed, created.body.id, owner.session, FILE);
        expect(uploaded.status).toBe(200);
        // Without an Origin: no CORS headers, but Vary: Origin all the same, for caches.
        expect(corsOf(uploaded)).toEqual({});
        expect(uploaded.headers.get('vary')).toBe('Origin');
      });

      it('a Range answer exposes Content-Range; multipart ranges, HEAD and 304 carry the headers too', async () => {
        const path = `/stream/videos/${vid}`;
        const range = await call(listed, path, { headers: { origin: APP, range: 'bytes=10-19' } });
        expect({ status: range.status, range: range.headers.get('content-range') }).toEqual({
          status: 206,
          range: `bytes 10-19/${FILE.length}`,
        });
        expect(range.bytes.equals(FILE.subarray(10, 20))).toBe(true);
        expectAllowed(range, APP);
        const whole = await call(listed, path, { headers: { origin: APP } });
        expect(whole.bytes.equals(FILE)).toBe(true);
        expectAllowed(whole, APP);
        const parts = await call(listed, path, { headers: { origin: APP, range: 'bytes=0-1, 5-6' } });
        expect(parts.headers.get('content-type')).toMatch(/^multipart\/byteranges/);
        expectAllowed(parts, APP);
        expectAllowed(await call(listed, path, { method: 'HEAD', headers: { origin: APP } }), APP);
        const etag = whole.headers.get('etag') ?? '';
        const notModified = await call(listed, path, { headers: { origin: APP, 'if-none-match': etag } });
        expect(notModified.status).toBe(304);
        expectAllowed(notModified, APP);
      });

      it('error answers carry them: 400, 401, 404, 405, 416, 429 with Retry-After', async () => {
        const headers = { origin: APP };
        const errors: [Answer, number][] = [
          [await call(listed, '/api/videos/not-a-uuid', { headers }), 400],
          [await call(listed, `/api/user/${owner.userName}`, { headers }), 401],
          [await call(listed, `/stream/videos/${UNKNOWN_VID}`, { headers }), 404],
          [await call(listed, '/nowhere', { headers }), 404],
          [await call(listed, '/api/register', { headers }), 405],
          [await call(listed, `/stream/videos/${vid}`, { headers: { ...headers, range: 'bytes=999999-' } }), 416],
        ];
        for (const [answer, status] of errors) {
          expect(answer.status).toBe(status);
          expectAllowed(answer, APP);
        }
        let limited: Answer | undefined;
        for (let attempt = 0; attempt < 12 && limited === undefined; attempt++) {
          const answer = await call(listed, '/api/login', {
            method: 'POST',
            headers,
            json: { user_name: 'cors.guessed', pwd: 'wrong password' },
          });
          expectAllowed(answer, APP);
          if (answer.status === 429) limited = answer;
        }
        expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
      });

      it('a disallowed origin gets no CORS headers: its preflight is what OPTIONS gets, its answers as before', async () => {
        const refused = await preflight(listed, '/api/register', STRANGER);
        const plain = await call(main, '/api/register', { method: 'OPTIONS' });
        expect(refused.status).toBe(plain.status);
        expectError(refused, 405, 'METHOD_NOT_ALLOWED');
        expect(refused.headers.get('allow')).toBe('POST');
        expect(corsOf(refused)).toEqual({});
        const health = await call(listed, '/healthz', { headers: { origin: STRANGER } });
        expect(health.status).toBe(200);
        expect(corsOf(health)).toEqual({});
        expect(health.headers.get('vary')).toBe('Origin');
      });

      it('`*` allows every origin, with no Vary on answers', async () => {
        const answer = await preflight(anyOrigin, '/api/register', STRANGER);
        expectNoContent(answer);
        expect(corsOf(answer)).toMatchObject({
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': ALLOW_HEADERS,
        });
        for (const headers of [{ origin: STRANGER }, {}] as Record<string, string>[]) {
          const health = await call(anyOrigin, '/healthz', { headers });
          expectAllowed(health, '*');
          expect(health.headers.get('vary')).toBeNull();
        }
        expectAllowed(await call(anyOrigin, `/stream/videos/${UNKNOWN_VID}`, { headers: { origin: APP } }), '*');
      });

      it('with CORS off nothing changes: no CORS headers, no Vary, OPTIONS is 405', async () => {
        const refused = await preflight(main, '/api/register', APP);
        expectError(refused, 405, 'METHOD_NOT_ALLOWED');
        for (const answer of [refused, await call(main, '/healthz', { headers: { origin: APP } })]) {
          expect(corsOf(answer)).toEqual({});
          expect(answer.headers.get('vary')).toBeNull();
        }
      });

      it('stream_url is absolute under --stream-base-url (one slash), a same-origin path without it', async () => {
        const expected = (id: string) => `${STREAM_BASE}/stream/videos/${id}`;
        const created = await createVideo(listed, owner, 'absolute');
        expect(created.stream_url).toBe(expected(created.id));
        const uploaded = expectJson(
          await uploadRaw(listed, created.id, owner.session, FILE),
          200,
          api.getVideo.responses[200],
        );
        expect(uploaded.stream_url).toBe(expected(created.id));
        const got = expectJson(await call(listed, `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
        expect(got.stream_url).toBe(expected(vid));
        const list = expectJson(
          await call(listed, `/api/user/${owner.userName}/videos`),
          200,
          api.listVideos.responses[200],
        );
        expect(list.videos.length).toBeGreaterThan(1);
        for (const video of list.videos) expect(video.stream_url).toBe(expected(video.id));

        const local = await createVideo(main, await register(main, 'relative.owner'), 'relative');
        expect(local.stream_url).toBe(`/stream/videos/${local.id}`);
        const localList = expectJson(
          await call(main, '/api/user/relative.owner/videos'),
          200,
          api.listVideos.responses[200],
        );
        expect(localList.videos.map((video) => video.stream_url)).toEqual([`/stream/videos/${local.id}`]);
      });
    });
  });
}
