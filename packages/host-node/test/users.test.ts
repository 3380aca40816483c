import { contract } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent } from './support/http.js';
import { createVideo, eachStore, postComment, useServer } from './support/suite.js';

const api = contract.api;
const DAY_MS = 24 * 60 * 60 * 1000;

const usersSuite = (kind: StoreKind) => {
  const server = useServer(kind);

  const me = (name: string, session?: string) =>
    call(server.url, 'GET', `/api/user/${name}`, session ? { session } : {});

  describe('POST /api/register', () => {
    it('201 with a session that works at once, expiring a day later', async () => {
      const before = Date.now();
      const answer = await call(server.url, 'POST', '/api/register', {
        body: { user_name: 'reg.ok', pwd: 'password1' },
      });
      const grant = expectJson(answer, 201, api.register.responses[201]);
      expect(grant.user_name).toBe('reg.ok');
      const expiresAt = Date.parse(grant.expires_at);
      expect(expiresAt).toBeGreaterThanOrEqual(before + DAY_MS);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + DAY_MS);
      const user = expectJson(await me('reg.ok', grant.session_id), 200, api.getUser.responses[200]);
      expect(user.user_name).toBe('reg.ok');
    });

    it('201 at the edges of the lengths: name 3 and 64, password 8 and 128', async () => {
      for (const [name, pwd] of [
        ['ab3', 'p'.repeat(8)],
        ['n'.repeat(64), 'p'.repeat(128)],
      ] as const) {
        const answer = await call(server.url, 'POST', '/api/register', { body: { user_name: name, pwd } });
        expect(expectJson(answer, 201, api.register.responses[201]).user_name).toBe(name);
        expect((await call(server.url, 'POST', '/api/login', { body: { user_name: name, pwd } })).status).toBe(200);
      }
    });

    it('stores a salted hash, never the password', async () => {
      await register(server.url, 'hash.a', 'same password');
      await register(server.url, 'hash.b', 'same password');
      const a = await server.store.users.findByName('hash.a');
      const b = await server.store.users.findByName('hash.b');
      expect(a?.passwordHash).not.toContain('same password');
      expect(a?.passwordHash).not.toBe(b?.passwordHash);
    });

    it('409 USER_EXISTS for a name that differs from a taken one only in case; names are used exactly', async () => {
      const upper = await register(server.url, 'Case.Name', 'upper password');
      for (const lookalike of ['case.name', 'CASE.NAME', 'cAsE.nAmE']) {
        const answer = await call(server.url, 'POST', '/api/register', {
          body: { user_name: lookalike, pwd: 'lookalike password' },
        });
        expectError(answer, 409, 'USER_EXISTS');
      }
      expect((await me('Case.Name', upper.session)).status).toBe(200);
      expectError(await me('case.name', upper.session), 403, 'FORBIDDEN');
      const wrong = await call(server.url, 'POST', '/api/login', {
        body: { user_name: 'CASE.NAME', pwd: 'upper password' },
      });
      expectError(wrong, 401, 'BAD_CREDENTIALS');
    });

    it('400 VALIDATION saying which field is wrong', async () => {
      const answer = await call(server.url, 'POST', '/api/register', { body: { user_name: 'reg.nopwd' } });
      expectError(answer, 400, 'VALIDATION');
      expect(answer.body.error.details).toContainEqual(expect.objectContaining({ path: 'body.pwd' }));
    });

    it('409 USER_EXISTS for a taken name, and the first password still logs in', async () => {
      await register(server.url, 'reg.taken', 'first password');
      const again = await call(server.url, 'POST', '/api/register', {
        body: { user_name: 'reg.taken', pwd: 'other password' },
      });
      expectError(again, 409, 'USER_EXISTS');
      const login = await call(server.url, 'POST', '/api/login', {
        body: { user_name: 'reg.taken', pwd: 'first password' },
      });
      expect(login.status).toBe(200);
    });
  });

  describe('POST /api/login', () => {
    it('200 with a new session; the old one keeps working', async () => {
      const user = await register(server.url, 'login.ok');
      const answer = await call(server.url, 'POST', '/api/login', {
        body: { user_name: user.userName, pwd: user.pwd },
      });
      const grant = expectJson(answer, 200, api.login.responses[200]);
      expect(grant.user_name).toBe('login.ok');
      expect(grant.session_id).not.toBe(user.session);
      expect((await me('login.ok', grant.session_id)).status).toBe(200);
      expect((await me('login.ok', user.session)).status).toBe(200);
    });

    it('400 VALIDATION for a body that is not credentials', async () => {
      expectError(await call(server.url, 'POST', '/api/login', { body: { user_name: 'login.ok' } }), 400, 'VALIDATION');
    });

    it('401 BAD_CREDENTIALS for a wrong password and for an unknown user alike', async () => {
      await register(server.url, 'login.bad', 'right password');
      const wrong = await call(server.url, 'POST', '/api/login', {
        body: { user_name: 'login.bad', pwd: 'wrong password' },
      });
      expectError(wrong, 401, 'BAD_CREDENTIALS');
      const unknown = await call(server.url, 'POST', '/api/login', {
        body: { user_name: 'nobody.here', pwd: 'whatever1' },
      });
      expectError(unknown, 401, 'BAD_CREDENTIALS');
      expect(unknown.body.error.message).toBe(wrong.body.error.message);
    });
  });

  describe('POST /api/logout', () => {
    it('204, after which the session is refused', async () => {
      const user = await register(server.url, 'logout.ok');
      expectNoContent(await call(server.url, 'POST', '/api/logout', { session: user.session }));
      expectError(await me('logout.ok', user.session), 401, 'UNAUTHENTICATED');
      expectError(await call(server.url, 'POST', '/api/logout', { session: user.session }), 401, 'UNAUTHENTICATED');
    });

    it('401 UNAUTHENTICATED without a session', async () => {
      expectError(await call(server.url, 'POST', '/api/logout'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('GET /api/user/:user_name', () => {
    it('200 the own account', async () => {
      const user = await register(server.url, 'get.ok');
      const body = expectJson(await me('get.ok', user.session), 200, api.getUser.responses[200]);
      expect(body.user_name).toBe('get.ok');
      expect(Date.parse(body.created_at)).toBeLessThanOrEqual(Date.now());
      expect(body.id).toBe((await server.store.users.findByName('get.ok'))?.id);
    });

    it('400 VALIDATION for a name that cannot be a user name, before looking at the session', async () => {
      expectError(await me('ab'), 400, 'VALIDATION');
      expectError(await me('a%20b'), 400, 'VALIDATION');
    });

    it('401 without a session, 403 FORBIDDEN for another user or one that does not exist', async () => {
      const mine = await register(server.url, 'get.mine');
      await register(server.url, 'get.other');
      expectError(await me('get.other'), 401, 'UNAUTHENTICATED');
      expectError(await me('get.other', mine.session), 403, 'FORBIDDEN');
      expectError(await me('get.ghost', mine.session), 403, 'FORBIDDEN');
    });
  });

  describe('DELETE /api/user/:user_name', () => {
    const remove = (name: string, session: string | undefined, body: unknown) =>
      call(server.url, 'DELETE', `/api/user/${name}`, { ...(session ? { session } : {}), body });

    it('204: sessions revoked, videos gone, comments removed, the name free again', async () => {
      const gone = await register(server.url, 'del.gone', 'gone password');
      const second = expectJson(
        await call(server.url, 'POST', '/api/login', { body: { user_name: 'del.gone', pwd: 'gone password' } }),
        200,
        api.login.responses[200],
      );
      const stays = await register(server.url, 'del.stays');
      const ownVideo = await createVideo(server.url, gone, 'mine');
      const otherVideo = await createVideo(server.url, stays, 'theirs');
      await postComment(server.url, gone.session, otherVideo.id, 'from the leaver');
      const kept = await postComment(server.url, stays.session, otherVideo.id, 'from the stayer');
      const oldId = expectJson(await me('del.gone', gone.session), 200, api.getUser.responses[200]).id;

      expectNoContent(await remove('del.gone', gone.session, { pwd: 'gone password' }));

      for (const session of [gone.session, second.session_id]) {
        expectError(await me('del.gone', session), 401, 'UNAUTHENTICATED');
      }
      expectError(await call(server.url, 'GET', `/api/videos/${ownVideo.id}`), 404, 'VIDEO_NOT_FOUND');
      expectError(await call(server.url, 'GET', `/api/videos/${ownVideo.id}/comments`), 404, 'VIDEO_NOT_FOUND');
      expectError(await call(server.url, 'GET', '/api/user/del.gone/videos'), 404, 'USER_NOT_FOUND');
      expect((await server.store.deletions.list(1000)).map((row) => row.videoId)).toContain(ownVideo.id);
      const comments = expectJson(
        await call(server.url, 'GET', `/api/videos/${otherVideo.id}/comments`),
        200,
        api.listComments.responses[200],
      );
      expect(comments.comments).toEqual([kept]);
      expectError(
        await call(server.url, 'POST', '/api/login', { body: { user_name: 'del.gone', pwd: 'gone password' } }),
        401,
        'BAD_CREDENTIALS',
      );

      // A new user of the same name starts empty: nothing of the old account comes back.
      const again = await register(server.url, 'del.gone', 'new password');
      const list = expectJson(
        await call(server.url, 'GET', '/api/user/del.gone/videos'),
        200,
        api.listVideos.responses[200],
      );
      expect(list).toEqual({ videos: [], next_cursor: null });
      expect(expectJson(await me('del.gone', again.session), 200, api.getUser.responses[200]).id).not.toBe(oldId);
    });

    it('400 VALIDATION without the password, and nothing is deleted', async () => {
      const user = await register(server.url, 'del.nobody');
      expectError(await remove('del.nobody', user.session, {}), 400, 'VALIDATION');
      expectError(await remove('del.nobody', user.session, { pwd: 'short' }), 400, 'VALIDATION');
      expect((await me('del.nobody', user.session)).status).toBe(200);
    });

    it('401 without a session, and 401 BAD_CREDENTIALS for a wrong password with no effect', async () => {
      const user = await register(server.url, 'del.wrong');
      const video = await createVideo(server.url, user);
      expectError(await remove('del.wrong', undefined, { pwd: user.pwd }), 401, 'UNAUTHENTICATED');
      expectError(await remove('del.wrong', user.session, { pwd: 'not the password' }), 401, 'BAD_CREDENTIALS');
      expect((await me('del.wrong', user.session)).status).toBe(200);
      expect((await call(server.url, 'GET', `/api/videos/${video.id}`)).status).toBe(200);
    });

    it("403 FORBIDDEN on another user's account, even with the right password of that account", async () => {
      const victim = await register(server.url, 'del.victim', 'victim password');
      const attacker = await register(server.url, 'del.attacker');
      expectError(await remove('del.victim', attacker.session, { pwd: 'victim password' }), 403, 'FORBIDDEN');
      expect((await me('del.victim', victim.session)).status).toBe(200);
    });
  });
};

eachStore('users over HTTP', usersSuite);
