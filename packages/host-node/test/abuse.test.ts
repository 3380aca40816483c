import type { VodkitOptions } from '@vodkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import { mysqlDatabaseKind, type StoreKind } from '../../../test/support/stores.js';
import { expectError } from './support/http.js';
import { createVideo, eachStore, postComment, useServer } from './support/suite.js';

const MINUTE = 60_000;
const off = { passwordFailuresPerAccount: null, passwordFailuresPerClient: null, commentsPerUser: null };

const login = (base: string, userName: string, pwd: string, headers: Record<string, string> = {}) =>
  call(base, 'POST', '/api/login', { body: { user_name: userName, pwd }, headers });

/** A 429 in the one shape, with a Retry-After of whole seconds within the window. */
const expectLimited = (answer: Awaited<ReturnType<typeof call>>, windowMs: number) => {
  expectError(answer, 429, 'TOO_MANY_REQUESTS');
  const retry = Number(answer.headers.get('retry-after'));
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(windowMs / 1000);
};

const abuseSuite = (kind: StoreKind) => {
  describe('failed passwords per account', () => {
    const server = useServer(kind, {
      limits: { ...off, passwordFailuresPerAccount: { count: 3, windowMs: MINUTE } },
    });

    it('429 once the account failed its quota, even with the right password; other accounts still log in', async () => {
      await register(server.url, 'target', 'the right password');
      await register(server.url, 'bystander', 'the right password');
      for (let i = 0; i < 3; i++)
        expectError(await login(server.url, 'target', `guess ${i}!!`), 401, 'BAD_CREDENTIALS');
      expectLimited(await login(server.url, 'target', 'the right password'), MINUTE);
      // Names that differ only in case are one account to the limit too.
      expectLimited(await login(server.url, 'TARGET', 'another guess'), MINUTE);
      expect((await login(server.url, 'bystander', 'the right password')).status).toBe(200);
    });

    it('lets no more than the quota through when guesses arrive all at once', async () => {
      await register(server.url, 'burst.target', 'the right password');
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => login(server.url, 'burst.target', `parallel guess ${i}`)),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([...Array(3).fill(401), ...Array(17).fill(429)]);
    });

    it('counts wrong passwords on account deletion, and a right login clears the count', async () => {
      const owner = await register(server.url, 'deleter', 'the right password');
      const del = (pwd: string) =>
        call(server.url, 'DELETE', `/api/user/${owner.userName}`, { session: owner.session, body: { pwd } });
      for (let i = 0; i < 2; i++) expectError(await del(`wrong ${i} password`), 401, 'BAD_CREDENTIALS');
      expect((await login(server.url, 'deleter', 'the right password')).status).toBe(200);
      // Cleared: two more failures are allowed before the third one locks the account.
      for (let i = 0; i < 3; i++) expectError(await del(`again ${i} wrong`), 401, 'BAD_CREDENTIALS');
      expectLimited(await del('the right password'), MINUTE);
    });
  });

  describe('failed passwords per client address', () => {
    const server = useServer(kind, {
      limits: { ...off, passwordFailuresPerClient: { count: 4, windowMs: MINUTE } },
      trustedProxies: ['127.0.0.1'],
    });

    it('429 for every account once one address failed its quota; another address is not affected', async () => {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      await register(server.url, 'spray.target', 'the right password');
      for (let i = 0; i < 4; i++) {
        expectError(
          await login(server.url, `spray${i}`, 'wrong password', from('198.51.100.7')),
          401,
          'BAD_CREDENTIALS',
        );
      }
      expectLimited(await login(server.url, 'spray.target', 'the right password', from('198.51.100.7')), MINUTE);
      expect((await login(server.url, 'spray.target', 'the right password', from('203.0.113.5'))).status).toBe(200);
      // The address a client writes itself, to the left of what the proxy saw, is not believed.
      expectLimited(
        await login(server.url, 'spray.target', 'the right password', from('203.0.113.5, 198.51.100.7')),
        MINUTE,
      );
    });
  });

  describe('comments and sessions per user', () => {
    const server = useServer(kind, {
      limits: { ...off, commentsPerUser: { count: 5, windowMs: MINUTE } },
      sessionsPerUser: 3,
    });

    it('429 past the comments a user may post in the window; other users still comment', async () => {
      const chatty = await register(server.url, 'chatty');
      const quiet = await register(server.url, 'quiet');
      const video = await createVideo(server.url, chatty);
      for (let i = 0; i < 5; i++) await postComment(server.url, chatty.session, video.id, `comment ${i}`);
      const over = await call(server.url, 'POST', `/api/videos/${video.id}/comments`, {
        session: chatty.session,
        body: { content: 'one too many' },
      });
      expectLimited(over, MINUTE);
      await postComment(server.url, quiet.session, video.id, 'still fine');
      const listed = await call(server.url, 'GET', `/api/videos/${video.id}/comments?limit=100`);
      expect(listed.body.comments).toHaveLength(6);
    });

    it('keeps the newest sessions of a user beyond the cap and revokes the oldest', async () => {
      const user = await register(server.url, 'many.logins', 'the right password');
      const sessions = [user.session];
      for (let i = 0; i < 4; i++) {
        const answer = await login(server.url, 'many.logins', 'the right password');
        expect(answer.status).toBe(200);
        sessions.push(answer.body.session_id);
      }
      const statuses = [];
      for (const session of sessions) {
        statuses.push((await call(server.url, 'GET', '/api/user/many.logins', { session })).status);
      }
      expect(statuses).toEqual([401, 401, 200, 200, 200]);
    });
  });
};

eachStore('abuse limits', abuseSuite);

describeMysql('abuse limits across two instances on one MariaDB database', (serverUrl) => {
  let db: TestDatabase;
  const servers: TestServer[] = [];
  const options: Partial<VodkitOptions> = {
    limits: {
      ...off,
      passwordFailuresPerAccount: { count: 4, windowMs: MINUTE },
      commentsPerUser: { count: 6, windowMs: MINUTE },
    },
  };

  beforeAll(async () => {
    db = await freshDatabase(serverUrl);
    const kind = mysqlDatabaseKind(db.url);
    servers.push(await startServer(kind, options), await startServer(kind, options));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await db.drop();
  });

  it('counts failures and comments made through either instance together', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const user = await register(a.url, 'shared', 'the right password');
    for (let i = 0; i < 4; i++) {
      const through = i % 2 === 0 ? a : b;
      expectError(await login(through.url, 'shared', `wrong ${i} password`), 401, 'BAD_CREDENTIALS');
    }
    expectLimited(await login(a.url, 'shared', 'the right password'), MINUTE);
    expectLimited(await login(b.url, 'shared', 'the right password'), MINUTE);

    const video = await createVideo(a.url, user);
    for (let i = 0; i < 6; i++) await postComment(i % 2 === 0 ? a.url : b.url, user.session, video.id, `c${i}`);
    for (const server of servers) {
      const over = await call(server.url, 'POST', `/api/videos/${video.id}/comments`, {
        session: user.session,
        body: { content: 'over' },
      });
      expectLimited(over, MINUTE);
    }
  });
});
