import { describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { createVideo, eachStore, useServer } from './support/suite.js';

const WRITERS = 6;

const raceSuite = (kind: StoreKind) => {
  const server = useServer(kind, {
    limits: { passwordFailuresPerAccount: null, passwordFailuresPerClient: null, commentsPerUser: null },
  });

  describe('deleting a user while another of their sessions keeps writing', () => {
    it('answers every write 201 (and its rows go with the user) or 401: never a 5xx, never an orphan', async () => {
      const owner = await register(server.url, 'doomed.writer', 'the right password');
      const login = await call(server.url, 'POST', '/api/login', {
        body: { user_name: owner.userName, pwd: owner.pwd },
      });
      const other = login.body.session_id as string;
      const target = await createVideo(server.url, owner, 'commented');

      let deleted = false;
      const after: number[] = [];
      const created: string[] = [];
      const statuses: number[] = [];
      /** Writes as fast as one connection can until the deletion has returned, and a few after it. */
      const writer = async (n: number) => {
        for (let i = 0, tail = 0; tail < 3; i++) {
          const wasDeleted = deleted;
          const answer =
            (i + n) % 2 === 0
              ? await call(server.url, 'POST', `/api/user/${owner.userName}/videos`, {
                  session: other,
                  body: { name: `v${n}.${i}` },
                })
              : await call(server.url, 'POST', `/api/videos/${target.id}/comments`, {
                  session: other,
                  body: { content: `c${n}.${i}` },
                });
          statuses.push(answer.status);
          if (answer.status === 201 && answer.body.status === 'pending') created.push(answer.body.id);
          if (wasDeleted) {
            after.push(answer.status);
            tail += 1;
          }
        }
      };
      const writing = Array.from({ length: WRITERS }, (_, n) => writer(n));
      // Let the writers get going before the deletion lands among them.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const deletion = await call(server.url, 'DELETE', `/api/user/${owner.userName}`, {
        session: owner.session,
        body: { pwd: owner.pwd },
      });
      deleted = true;
      await Promise.all(writing);

      expect(deletion.status).toBe(204);
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
      expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => s === 201 || s === 401 || s === 404)));
      // Once the deletion has answered, the user's other session is gone with them.
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((status) => status === 401)).toBe(true);
      // Every video answered 201 belongs to the deleted user's videos: hidden and queued for the scheduler.
      const queued = new Set((await server.store.deletions.list(10_000)).map((row) => row.videoId));
      expect(queued.has(target.id)).toBe(true);
      for (const id of created) expect(queued.has(id), `video ${id} answered 201 but not queued`).toBe(true);
      for (const id of created) expect((await call(server.url, 'GET', `/api/videos/${id}`)).status).toBe(404);
    });
  });
};

eachStore('user deletion race', raceSuite);
