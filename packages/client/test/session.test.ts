import { describe, expect, it } from 'vitest';
import { memoryKind } from '../../../test/support/stores.js';
import { unwrap } from '../src/node.js';
import { newUserName, PASSWORD, useClientServer } from './support.js';

describe('client: session handling', () => {
  const { client } = useClientServer(memoryKind);

  it('keeps the session of register and login, sends it, and forgets it on logout', async () => {
    const changes: (string | undefined)[] = [];
    const c = client({ onSessionChange: (id) => changes.push(id) });
    const user_name = newUserName();
    const registered = await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
    expect(c.sessionId).toBe(registered.session_id);
    expect((await c.api.getUser({ params: { user_name } })).status).toBe(200);

    expect((await c.api.logout()).status).toBe(204);
    expect(c.sessionId).toBeUndefined();
    expect(await c.api.getUser({ params: { user_name } })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });

    const login = await unwrap(c.api.login({ body: { user_name, pwd: PASSWORD } }));
    expect(c.sessionId).toBe(login.session_id);
    expect(login.session_id).not.toBe(registered.session_id);
    expect(changes).toEqual([registered.session_id, undefined, login.session_id]);
  });

  it('starts from a given session, e.g. one kept across page loads', async () => {
    const user_name = newUserName();
    const { session_id } = await unwrap(client().api.register({ body: { user_name, pwd: PASSWORD } }));
    const resumed = client({ sessionId: session_id });
    expect((await resumed.api.getUser({ params: { user_name } })).status).toBe(200);
  });

  it('forgets a session the server no longer knows', async () => {
    const user_name = newUserName();
    const first = client();
    await unwrap(first.api.register({ body: { user_name, pwd: PASSWORD } }));
    const second = client({ sessionId: first.sessionId });
    await unwrap(first.api.logout());
    expect(second.sessionId).toBeDefined();
    expect((await second.api.getUser({ params: { user_name } })).status).toBe(401);
    expect(second.sessionId).toBeUndefined();
  });

  it('keeps nothing with keepSession: false, and a session can be set by hand', async () => {
    const c = client({ keepSession: false });
    const user_name = newUserName();
    const { session_id } = await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
    expect(c.sessionId).toBeUndefined();
    expect((await c.api.getUser({ params: { user_name } })).status).toBe(401);
    c.setSessionId(session_id);
    expect((await c.api.getUser({ params: { user_name } })).status).toBe(200);
  });

  it('lets a call send its own credentials instead', async () => {
    const owner = client();
    const user_name = newUserName();
    const { session_id } = await unwrap(owner.api.register({ body: { user_name, pwd: PASSWORD } }));
    const other = client();
    await unwrap(other.api.register({ body: { user_name: newUserName(), pwd: PASSWORD } }));
    const asOwner = await other.api.getUser({
      params: { user_name },
      extraHeaders: { authorization: `Bearer ${session_id}` },
    });
    expect(asOwner.status).toBe(200);
  });

  it('forgets only the session it keeps', async () => {
    const c = client();
    const user_name = newUserName();
    const first = await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
    const second = await unwrap(client().api.login({ body: { user_name, pwd: PASSWORD } }));
    // Revoking another session with its own credentials leaves the kept one alone.
    const revoked = await c.api.logout({ extraHeaders: { authorization: `Bearer ${second.session_id}` } });
    expect(revoked.status).toBe(204);
    expect(c.sessionId).toBe(first.session_id);

    // A logout that answers after a newer login does not wipe the newer session.
    const late = c.api.logout();
    const third = await unwrap(c.api.login({ body: { user_name, pwd: PASSWORD } }));
    expect((await late).status).toBe(204);
    expect(c.sessionId).toBe(third.session_id);
    expect((await c.api.getUser({ params: { user_name } })).status).toBe(200);
  });

  it('keeps the session when onSessionChange throws', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const c = client({
        onSessionChange: () => {
          throw new Error('storage is full');
        },
      });
      const user_name = newUserName();
      const registered = await c.api.register({ body: { user_name, pwd: PASSWORD } });
      expect(registered.status).toBe(201);
      expect(c.sessionId).toBeDefined();
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });

  it('sends the session only to routes that need one', async () => {
    const seen: (string | null)[] = [];
    const c = client({
      sessionId: 'a-session-token',
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('x-session-id'));
        return fetch(input, init);
      },
    });
    await c.health.health();
    await c.api.listVideos({ params: { user_name: newUserName() } });
    await c.api.logout();
    expect(seen).toEqual([null, null, 'a-session-token']);
  });
});
