import { contract } from '@vodkit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import { mysqlDatabaseKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent } from './support/http.js';
import { createVideo, manualClock, postComment } from './support/suite.js';

const api = contract.api;
const MINUTE = 60 * 1000;

describeMysql('a restart on the same MySQL database', (serverUrl) => {
  const clock = manualClock();
  const options = { clock: clock.now, sessionTtlMs: 60 * MINUTE };
  let db: TestDatabase;
  let server: TestServer | undefined;
  beforeAll(async () => {
    db = await freshDatabase(serverUrl);
  });
  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      await db.drop();
    }
  });

  it('keeps users, sessions, videos, comments, revocations and deletions', async () => {
    server = await startServer(mysqlDatabaseKind(db.url), options);
    const before = server.url;
    const alice = await register(before, 'alice');
    const bob = await register(before, 'bob');
    const revoked = expectJson(
      await call(before, 'POST', '/api/login', { body: { user_name: 'alice', pwd: alice.pwd } }),
      200,
      api.login.responses[200],
    ).session_id;
    expectNoContent(await call(before, 'POST', '/api/logout', { session: revoked }));
    const kept = await createVideo(before, alice, 'kept');
    const deleted = await createVideo(before, alice, 'deleted');
    expectNoContent(await call(before, 'DELETE', `/api/videos/${deleted.id}`, { session: alice.session }));
    const comment = await postComment(before, bob.session, kept.id, 'still here after the restart');
    const account = expectJson(
      await call(before, 'GET', '/api/user/alice', { session: alice.session }),
      200,
      api.getUser.responses[200],
    );
    // A use past half the TTL slides alice's session; the new expiry must be what is stored.
    clock.advance(40 * MINUTE);
    expect((await call(before, 'GET', '/api/user/alice', { session: alice.session })).status).toBe(200);

    await server.close();
    server = undefined;
    expect(
      await fetch(`${before}/healthz`).then(
        () => 'answered',
        () => 'refused',
      ),
    ).toBe('refused');

    clock.advance(40 * MINUTE);
    server = await startServer(mysqlDatabaseKind(db.url), options);
    const after = server.url;
    const me = await call(after, 'GET', '/api/user/alice', { session: alice.session });
    expect(expectJson(me, 200, api.getUser.responses[200])).toEqual(account);
    // bob's session was not used since it was made: 80 minutes on, it has expired.
    expectError(await call(after, 'GET', '/api/user/bob', { session: bob.session }), 401, 'UNAUTHENTICATED');
    expectError(await call(after, 'GET', '/api/user/alice', { session: revoked }), 401, 'UNAUTHENTICATED');

    expect(expectJson(await call(after, 'GET', `/api/videos/${kept.id}`), 200, api.getVideo.responses[200])).toEqual(
      kept,
    );
    expectError(await call(after, 'GET', `/api/videos/${deleted.id}`), 404, 'VIDEO_NOT_FOUND');
    const list = await call(after, 'GET', '/api/user/alice/videos');
    expect(expectJson(list, 200, api.listVideos.responses[200])).toEqual({ videos: [kept], next_cursor: null });
    const comments = await call(after, 'GET', `/api/videos/${kept.id}/comments`);
    expect(expectJson(comments, 200, api.listComments.responses[200]).comments).toEqual([comment]);

    expectError(
      await call(after, 'POST', '/api/register', { body: { user_name: 'alice', pwd: 'another one' } }),
      409,
      'USER_EXISTS',
    );
    const login = await call(after, 'POST', '/api/login', { body: { user_name: 'alice', pwd: alice.pwd } });
    expect(login.status).toBe(200);
    // And the new server writes where the old one left off.
    const newer = await createVideo(after, alice, 'after the restart');
    const again = await call(after, 'GET', '/api/user/alice/videos');
    expect(expectJson(again, 200, api.listVideos.responses[200]).videos).toEqual([newer, kept]);
  });
});
