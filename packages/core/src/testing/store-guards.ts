import { describe, expect, it } from 'vitest';
import type { Store } from '../store/types.js';
import { at, newComment, newSession, newUser, newVideo } from './fixtures.js';
import { freshStoreEachTest, type StoreSuiteTarget } from './target.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * What every Store adapter keeps beyond reads and writes: writes that need a user or a video
 * that was deleted meanwhile, the cap on live sessions, sweeps and the shared rate counters.
 */
export function storeGuards(target: StoreSuiteTarget): void {
  let store: Store;
  freshStoreEachTest(target, (opened) => {
    store = opened;
  });

  const addUser = async (userName: string) => {
    const user = newUser(userName);
    expect(await store.users.create(user, newSession(user.id, at(24 * HOUR)))).toBe('created');
    return user;
  };

  describe('writes of a deleted user', () => {
    it('stores no video, comment or session for a user that is gone, and says so', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const video = newVideo(bob.id, at(1));
      expect(await store.videos.create(video)).toBe('created');
      await store.users.delete(alice.id, at(2));

      expect(await store.videos.create(newVideo(alice.id, at(3)))).toBe('no-user');
      expect(await store.comments.create(newComment(video.id, alice.id, at(4)))).toBe('no-user');
      const session = newSession(alice.id, at(HOUR));
      expect(await store.sessions.create(session, at(5), 20)).toBe('no-user');
      expect(await store.sessions.findActive(session.idHash, at(5))).toBeUndefined();
      expect(await store.videos.listByAuthor(alice.id, { limit: 10 })).toEqual([]);
      expect(await store.comments.listByVideo(video.id, { limit: 10 })).toEqual([]);
    });

    it('stores no comment on a video that is being deleted', async () => {
      const alice = await addUser('alice');
      const video = newVideo(alice.id, at(1));
      await store.videos.create(video);
      await store.videos.markDeleted(video.id, at(2));
      expect(await store.comments.create(newComment(video.id, alice.id, at(3)))).toBe('no-video');
    });

    it('leaves no orphan when videos and comments race a deletion of their user', async () => {
      const alice = await addUser('alice');
      const target = newVideo(alice.id, at(1));
      await store.videos.create(target);
      const writes = Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? store.videos.create(newVideo(alice.id, at(10 + i)))
          : store.comments.create(newComment(target.id, alice.id, at(10 + i))),
      );
      const deletion = store.users.delete(alice.id, at(5));
      const results = await Promise.all(writes);
      await deletion;
      expect(results.every((result) => result === 'created' || result === 'no-user' || result === 'no-video')).toBe(
        true,
      );
      // Every video that was created went with the user: not readable, queued for the scheduler.
      const queued = new Set((await store.deletions.list(100)).map((row) => row.videoId));
      expect(queued.has(target.id)).toBe(true);
      expect(await store.videos.listByAuthor(alice.id, { limit: 100 })).toEqual([]);
      const createdVideos = results.filter((result, i) => i % 2 === 0 && result === 'created').length;
      expect(queued.size).toBe(createdVideos + 1);
    });
  });

  describe('sessions', () => {
    it('keeps at most maxPerUser live sessions, revoking the ones that expire soonest', async () => {
      const alice = await addUser('alice');
      const sessions = Array.from({ length: 5 }, (_, i) => newSession(alice.id, at((i + 2) * HOUR)));
      for (const session of sessions) expect(await store.sessions.create(session, at(0), 3)).toBe('created');
      const live = await Promise.all(sessions.map((s) => store.sessions.findActive(s.idHash, at(0))));
      // The session addUser made lasts 24 h: it is one of the three kept.
      expect(live.map(Boolean)).toEqual([false, false, false, true, true]);
    });

    it('sweeps every expired session and no live one', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const old = [newSession(alice.id, at(HOUR)), newSession(bob.id, at(2 * HOUR))];
      const live = newSession(bob.id, at(5 * HOUR));
      for (const session of [...old, live]) await store.sessions.create(session, at(0), 20);
      await store.sessions.sweep(at(3 * HOUR));
      // Looked up at T0, when all were valid: only the swept ones are gone.
      for (const session of old) expect(await store.sessions.findActive(session.idHash, at(0))).toBeUndefined();
      expect(await store.sessions.findActive(live.idHash, at(0))).toBeDefined();
    });
  });

  describe('rate limits', () => {
    it('counts hits per key in fixed windows', async () => {
      const window = 15 * MINUTE;
      expect(await store.limits.count('k', at(0), window)).toBe(0);
      expect(await store.limits.hit('k', at(0), window)).toBe(1);
      expect(await store.limits.hit('k', at(MINUTE), window)).toBe(2);
      expect(await store.limits.hit('other', at(MINUTE), window)).toBe(1);
      expect(await store.limits.count('k', at(2 * MINUTE), window)).toBe(2);
      // T0 is on a 15-minute boundary: the next window starts from nothing.
      expect(await store.limits.count('k', at(window), window)).toBe(0);
      expect(await store.limits.hit('k', at(window + 1), window)).toBe(1);
    });

    it('takes back a hit with a negative delta, never below zero', async () => {
      await store.limits.hit('d', at(0), MINUTE);
      await store.limits.hit('d', at(0), MINUTE);
      expect(await store.limits.hit('d', at(0), MINUTE, -1)).toBe(1);
      expect(await store.limits.hit('d', at(0), MINUTE, -1)).toBe(0);
      expect(await store.limits.hit('d', at(0), MINUTE, -1)).toBe(0);
      expect(await store.limits.hit('fresh', at(0), MINUTE, -1)).toBe(0);
      expect(await store.limits.hit('d', at(0), MINUTE)).toBe(1);
      // Taken back late, after a new window began: the new window keeps its count.
      await store.limits.hit('late', at(MINUTE), MINUTE);
      expect(await store.limits.hit('late', at(MINUTE - 1), MINUTE, -1)).toBe(0);
      expect(await store.limits.count('late', at(MINUTE), MINUTE)).toBe(1);
    });

    it('counts every one of concurrent hits', async () => {
      const counts = await Promise.all(Array.from({ length: 25 }, () => store.limits.hit('burst', at(0), MINUTE)));
      expect(await store.limits.count('burst', at(0), MINUTE)).toBe(25);
      expect(Math.max(...counts)).toBe(25);
    });

    it('forgets a reset key and sweeps ended windows', async () => {
      await store.limits.hit('a', at(0), MINUTE);
      await store.limits.hit('b', at(0), HOUR);
      await store.limits.reset('a');
      expect(await store.limits.count('a', at(0), MINUTE)).toBe(0);
      await store.limits.sweep(at(2 * MINUTE));
      expect(await store.limits.count('b', at(2 * MINUTE), HOUR)).toBe(1);
      await store.limits.sweep(at(HOUR));
      expect(await store.limits.count('b', at(0), HOUR)).toBe(0);
    });
  });
}
