import { contract } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent, send } from './support/http.js';
import { eachStore, manualClock, useServer } from './support/suite.js';

const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

const sessionsSuite = (kind: StoreKind) => {
  const clock = manualClock();
  const server = useServer(kind, { clock: clock.now, sessionTtlMs: HOUR });

  const me = (name: string, headers: Record<string, string>) =>
    send(server.url, { path: `/api/user/${name}`, headers });
  const login = async (userName: string, pwd: string) =>
    expectJson(
      await call(server.url, 'POST', '/api/login', { body: { user_name: userName, pwd } }),
      200,
      api.login.responses[200],
    ).session_id;
  const api = contract.api;

  describe('presenting the token', () => {
    it.each([
      ['X-Session-Id', 'tok.header', (token: string) => ({ 'x-session-id': token })],
      ['Authorization: Bearer', 'tok.bearer', (token: string) => ({ authorization: `Bearer ${token}` })],
      ['lower-case bearer', 'tok.lower', (token: string) => ({ authorization: `bearer ${token}` })],
      [
        'both, naming one session',
        'tok.both',
        (token: string) => ({ 'x-session-id': token, authorization: `Bearer ${token}` }),
      ],
    ])('%s works on every authenticated route', async (_label, userName, headers) => {
      const user = await register(server.url, userName);
      const h = headers(user.session);
      const json = { ...h, 'content-type': 'application/json' };
      expect(expectJson(await me(user.userName, h), 200, api.getUser.responses[200]).user_name).toBe(user.userName);
      const path = `/api/user/${user.userName}/videos`;
      const created = await send(server.url, { method: 'POST', path, headers: json, body: '{"name":"by header"}' });
      const video = expectJson(created, 201, api.createVideo.responses[201]);
      const commented = await send(server.url, {
        method: 'POST',
        path: `/api/videos/${video.id}/comments`,
        headers: json,
        body: '{"content":"by header"}',
      });
      expectJson(commented, 201, api.createComment.responses[201]);
      expectNoContent(await send(server.url, { method: 'DELETE', path: `/api/videos/${video.id}`, headers: h }));
      expectNoContent(await send(server.url, { method: 'POST', path: '/api/logout', headers: h }));
      expectError(await me(user.userName, h), 401, 'UNAUTHENTICATED');
    });
  });

  describe('sliding expiry', () => {
    it('a new session expires one TTL after it was made', async () => {
      const grant = await call(server.url, 'POST', '/api/register', {
        body: { user_name: 'ttl.new', pwd: 'password1' },
      });
      expect(expectJson(grant, 201, api.register.responses[201]).expires_at).toBe(
        new Date(clock.now() + HOUR).toISOString(),
      );
    });

    it('a session used past half its TTL is extended, and outlives its first expiry', async () => {
      const user = await register(server.url, 'ttl.slide');
      const h = { 'x-session-id': user.session };
      clock.advance(40 * MINUTE);
      expect((await me(user.userName, h)).status).toBe(200);
      // 80 minutes in: past the first expiry, alive because the use at 40 slid it to 100.
      clock.advance(40 * MINUTE);
      expect((await me(user.userName, h)).status).toBe(200);
      clock.advance(59 * MINUTE);
      expect((await me(user.userName, h)).status).toBe(200);
    });

    it('a session not used for a whole TTL is refused, and logging in again works', async () => {
      const user = await register(server.url, 'ttl.idle');
      const h = { authorization: `Bearer ${user.session}` };
      clock.advance(40 * MINUTE);
      expect((await me(user.userName, h)).status).toBe(200);
      clock.advance(HOUR);
      expectError(await me(user.userName, h), 401, 'UNAUTHENTICATED');
      // Time going on does not bring it back, and the account itself is fine.
      clock.advance(HOUR);
      expectError(await me(user.userName, h), 401, 'UNAUTHENTICATED');
      const fresh = await login(user.userName, user.pwd);
      expect((await me(user.userName, { 'x-session-id': fresh })).status).toBe(200);
    });

    it('a session works one millisecond before its expiry and not at it', async () => {
      const user = await register(server.url, 'ttl.edge');
      const h = { 'x-session-id': user.session };
      clock.advance(HOUR - 1);
      expect((await me(user.userName, h)).status).toBe(200);
      // That use slid the expiry to one TTL from then; land exactly on it.
      clock.advance(HOUR);
      expectError(await me(user.userName, h), 401, 'UNAUTHENTICATED');
    });
  });

  describe('logout', () => {
    it('revokes only the session it was sent with', async () => {
      const user = await register(server.url, 'out.many');
      const other = await register(server.url, 'out.other');
      const second = await login(user.userName, user.pwd);
      const third = await login(user.userName, user.pwd);
      expectNoContent(
        await send(server.url, { method: 'POST', path: '/api/logout', headers: { authorization: `Bearer ${second}` } }),
      );
      expectError(await me(user.userName, { 'x-session-id': second }), 401, 'UNAUTHENTICATED');
      for (const token of [user.session, third]) {
        expect((await me(user.userName, { 'x-session-id': token })).status).toBe(200);
      }
      expect((await me(other.userName, { 'x-session-id': other.session })).status).toBe(200);
    });
  });
};

eachStore('sessions over HTTP', sessionsSuite);
