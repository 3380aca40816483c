import { expect, it } from 'vitest';
import { isVodkitClientError, unwrap, VodkitClientError } from '../src/node.js';
import { eachStore } from './each-store.js';
import { newUserName, PASSWORD, useClientServer } from './support.js';

const UNKNOWN_VID = '6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b';

eachStore('client: API routes', (kind) => {
  const { client } = useClientServer(kind);

  it('registers, reads and deletes an account', async () => {
    const c = client();
    const user_name = newUserName();
    const registered = await c.api.register({ body: { user_name, pwd: PASSWORD } });
    expect(registered.status).toBe(201);
    if (registered.status !== 201) return;
    expect(registered.body.user_name).toBe(user_name);
    expect(c.sessionId).toBe(registered.body.session_id);

    const user = await c.api.getUser({ params: { user_name } });
    expect(user).toMatchObject({ status: 200, body: { user_name } });

    const taken = await c.api.register({ body: { user_name, pwd: PASSWORD } });
    expect(taken.status).toBe(409);
    if (taken.status === 409) expect(taken.body.error.code).toBe('USER_EXISTS');

    const wrongPassword = await c.api.deleteUser({ params: { user_name }, body: { pwd: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect((await c.api.deleteUser({ params: { user_name }, body: { pwd: PASSWORD } })).status).toBe(204);
    expect(c.sessionId).toBeUndefined();
    const login = await c.api.login({ body: { user_name, pwd: PASSWORD } });
    expect(login.status).toBe(401);
    if (login.status === 401) expect(login.body.error.code).toBe('BAD_CREDENTIALS');
  });

  it('creates, lists, reads and deletes videos, and comments on them', async () => {
    const c = client();
    const user_name = newUserName();
    await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
    const first = await unwrap(c.api.createVideo({ params: { user_name }, body: { name: 'first' } }));
    const second = await unwrap(c.api.createVideo({ params: { user_name }, body: { name: 'second' } }));
    expect(first).toMatchObject({ name: 'first', status: 'pending', author: user_name });

    const page = await unwrap(c.api.listVideos({ params: { user_name }, query: { limit: 1 } }));
    expect(page.videos.map((video) => video.id)).toEqual([second.id]);
    const next = await unwrap(
      c.api.listVideos({ params: { user_name }, query: { limit: 1, cursor: page.next_cursor ?? undefined } }),
    );
    expect(next).toMatchObject({ videos: [{ id: first.id }], next_cursor: null });
    expect(await unwrap(c.api.getVideo({ params: { vid: first.id } }))).toEqual(first);

    const comment = await unwrap(
      c.api.createComment({ params: { vid: first.id }, body: { content: '<b>not html</b>' } }),
    );
    expect(comment).toMatchObject({ video_id: first.id, author: user_name, content: '<b>not html</b>' });
    const older = await unwrap(c.api.createComment({ params: { vid: first.id }, body: { content: 'second' } }));
    const page1 = await unwrap(c.api.listComments({ params: { vid: first.id }, query: { limit: 1 } }));
    expect(page1.comments).toEqual([older]);
    const page2 = await unwrap(
      c.api.listComments({ params: { vid: first.id }, query: { limit: 1, cursor: page1.next_cursor ?? undefined } }),
    );
    expect(page2).toEqual({ comments: [comment], next_cursor: null });

    expect((await c.api.deleteVideo({ params: { vid: first.id } })).status).toBe(204);
    const gone = await c.api.getVideo({ params: { vid: first.id } });
    expect(gone.status).toBe(404);
    if (gone.status === 404) expect(gone.body.error.code).toBe('VIDEO_NOT_FOUND');
  });

  it('keys every failure by status with the one error shape', async () => {
    const c = client();
    const invalid = await c.api.register({ body: { user_name: 'x', pwd: 'short' } });
    expect(invalid.status).toBe(400);
    if (invalid.status === 400) {
      expect(invalid.body.error.code).toBe('VALIDATION');
      expect(invalid.body.error.details?.map((detail) => detail.path).sort()).toEqual(['body.pwd', 'body.user_name']);
    }
    const noSession = await c.api.createVideo({ params: { user_name: 'someone' }, body: { name: 'x' } });
    expect(noSession).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await c.api.listVideos({ params: { user_name: newUserName() } })).toMatchObject({
      status: 404,
      body: { error: { code: 'USER_NOT_FOUND' } },
    });
    expect(await c.api.listComments({ params: { vid: UNKNOWN_VID } })).toMatchObject({ status: 404 });
    expect(await c.api.getVideo({ params: { vid: 'not-a-uuid' } })).toMatchObject({
      status: 400,
      body: { error: { details: [{ path: 'params.vid' }] } },
    });
  });

  it('encodes path parameters, so a value cannot reach another route', async () => {
    const c = client();
    for (const user_name of ['a/b', 'a?b', 'a#b', 'a%2F..']) {
      const answer = await c.api.listVideos({ params: { user_name } });
      expect(answer).toMatchObject({ status: 400, body: { error: { details: [{ path: 'params.user_name' }] } } });
    }
    // A URL resolves these segments (even encoded) to another path, and an empty one drops its
    // segment: they never leave the client.
    for (const user_name of ['', '.', '..']) {
      await expect(c.api.listVideos({ params: { user_name } })).rejects.toThrow(/cannot be/);
    }
  });

  it('unwrap throws a typed error with the code, message and details', async () => {
    const c = client();
    const error = await unwrap(c.api.getVideo({ params: { vid: UNKNOWN_VID } })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VodkitClientError);
    expect(isVodkitClientError(error, 'VIDEO_NOT_FOUND')).toBe(true);
    expect(isVodkitClientError(error, 'USER_EXISTS')).toBe(false);
    if (!isVodkitClientError(error)) return;
    expect(error).toMatchObject({ status: 404, code: 'VIDEO_NOT_FOUND', message: 'No such video.' });
  });

  it('answers the health check', async () => {
    const health = await client().health.health();
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', services: ['api', 'stream', 'scheduler'] } });
  });
});
