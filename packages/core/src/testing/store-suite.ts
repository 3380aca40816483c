import { describe, expect, it } from 'vitest';
import type { Store, UserRecord, VideoRecord } from '../store/types.js';
import {
  at,
  expectedOrder,
  newComment,
  newIdHash,
  newSession,
  newUser,
  newVideo,
  orderedId,
  readAllPages,
  T0,
} from './fixtures.js';
import { freshStoreEachTest, type StoreSuiteTarget } from './target.js';

const HOUR = 3_600_000;

/** Text that breaks stores which are not utf8mb4 end to end or that stop at a NUL. */
const UNICODE_SAMPLES = [
  '🎬 Première — 東京の夜 🌃',
  '中文标题：视频点播 한국어 テスト',
  'before\u0000after',
  'e\u0301 (combining) vs é (precomposed), 𝄞 clef, 👩‍👩‍👧 family',
];

/**
 * The reads and writes every Store adapter keeps. Each test gets a new, empty store from
 * `target.open()`, so the tests do not depend on each other's rows.
 */
export function storeReadsAndWrites(target: StoreSuiteTarget): void {
  let store: Store;
  freshStoreEachTest(target, (opened) => {
    store = opened;
  });

  /** A stored user with one session valid for a day after T0. */
  const addUser = async (userName: string): Promise<UserRecord & { sessionHash: string }> => {
    const user = newUser(userName);
    const session = newSession(user.id, at(24 * HOUR));
    expect(await store.users.create(user, session)).toBe('created');
    return { ...user, sessionHash: session.idHash };
  };

  const addVideo = async (authorId: string, createdAt: Date, overrides: Partial<VideoRecord> = {}) => {
    const video = newVideo(authorId, createdAt, overrides);
    await store.videos.create(video);
    return video;
  };

  describe('users', () => {
    it('creates a user with its first session, then answers exists for the same name', async () => {
      const alice = newUser('alice', at(-5));
      const first = newSession(alice.id, at(HOUR));
      expect(await store.users.create(alice, first)).toBe('created');

      const impostor = newUser('alice', at(10));
      const second = newSession(impostor.id, at(HOUR));
      expect(await store.users.create(impostor, second)).toBe('exists');

      expect(await store.users.findByName('alice')).toEqual(alice);
      expect(await store.sessions.findActive(first.idHash, at(0))).toEqual({
        ...first,
        userName: 'alice',
      });
      // 'exists' stores nothing: the loser's session must not authenticate anyone.
      expect(await store.sessions.findActive(second.idHash, at(0))).toBeUndefined();
    });

    it('refuses a name that differs from a taken one only in case, and finds names exactly', async () => {
      const lower = await addUser('alice');
      for (const lookalike of ['Alice', 'ALICE', 'aLiCe']) {
        const user = newUser(lookalike);
        const session = newSession(user.id, at(HOUR));
        expect(await store.users.create(user, session)).toBe('exists');
        expect(await store.sessions.findActive(session.idHash, at(0))).toBeUndefined();
      }
      expect((await store.users.findByName('alice'))?.id).toBe(lower.id);
      expect(await store.users.findByName('Alice')).toBeUndefined();
    });

    it('frees the name, in every case, once its user is deleted', async () => {
      const alice = await addUser('alice');
      await store.users.delete(alice.id, at(1));
      const again = await addUser('ALICE');
      expect((await store.users.findByName('ALICE'))?.id).toBe(again.id);
    });

    it('lets exactly one of 30 concurrent registrations of one name win', async () => {
      const attempts = Array.from({ length: 30 }, () => {
        const user = newUser('contested');
        return { user, session: newSession(user.id, at(HOUR)) };
      });
      const results = await Promise.all(attempts.map(({ user, session }) => store.users.create(user, session)));

      expect(results.filter((result) => result === 'created')).toHaveLength(1);
      expect(results.filter((result) => result === 'exists')).toHaveLength(29);
      const winner = attempts[results.indexOf('created')];
      expect((await store.users.findByName('contested'))?.id).toBe(winner?.user.id);
      const active = await Promise.all(attempts.map(({ session }) => store.sessions.findActive(session.idHash, at(0))));
      expect(active.filter(Boolean).map((session) => session?.idHash)).toEqual([winner?.session.idHash]);
    });

    it('finds nobody for an unknown name', async () => {
      await addUser('alice');
      expect(await store.users.findByName('bob')).toBeUndefined();
      expect(await store.users.findByName('')).toBeUndefined();
    });

    it('deletes a user with their sessions and comments, and queues their videos', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const aliceSecondSession = newSession(alice.id, at(2 * HOUR));
      await store.sessions.create(aliceSecondSession, at(0), 100);

      const pending = await addVideo(alice.id, at(1));
      const ready = await addVideo(alice.id, at(2), { status: 'ready', size: 1234, contentType: 'video/mp4' });
      const bobsVideo = await addVideo(bob.id, at(3));
      const aliceOnBob = newComment(bobsVideo.id, alice.id, at(4), { content: 'from alice' });
      const bobOnBob = newComment(bobsVideo.id, bob.id, at(5), { content: 'from bob' });
      const bobOnAlice = newComment(ready.id, bob.id, at(6), { content: 'bob on alice' });
      for (const comment of [aliceOnBob, bobOnBob, bobOnAlice]) await store.comments.create(comment);

      const now = at(HOUR / 2);
      await store.users.delete(alice.id, now);

      expect(await store.users.findByName('alice')).toBeUndefined();
      expect(await store.sessions.findActive(alice.sessionHash, at(0))).toBeUndefined();
      expect(await store.sessions.findActive(aliceSecondSession.idHash, at(0))).toBeUndefined();
      expect(await store.videos.find(pending.id)).toBeUndefined();
      expect(await store.videos.find(ready.id)).toBeUndefined();
      expect(await store.videos.listByAuthor(alice.id, { limit: 10 })).toEqual([]);
      const queued = await store.deletions.list(10);
      expect(queued.map((row) => row.videoId).sort()).toEqual([pending.id, ready.id].sort());
      for (const row of queued) {
        expect(row.attempts).toBe(0);
        expect(row.nextAttemptAt.getTime()).toBe(now.getTime());
      }
      const onBobsVideo = await store.comments.listByVideo(bobsVideo.id, { limit: 10 });
      expect(onBobsVideo.map((comment) => comment.id)).toEqual([bobOnBob.id]);

      // Bob is untouched.
      expect((await store.users.findByName('bob'))?.id).toBe(bob.id);
      expect((await store.sessions.findActive(bob.sessionHash, at(0)))?.userName).toBe('bob');
      expect((await store.videos.find(bobsVideo.id))?.authorName).toBe('bob');
      expect((await store.videos.listByAuthor(bob.id, { limit: 10 })).map((video) => video.id)).toEqual([bobsVideo.id]);
    });

    it('queues a video already being deleted only once when its author is deleted', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1));
      const other = await addVideo(alice.id, at(2));
      expect(await store.videos.markDeleted(video.id, at(10))).toBe(true);
      await store.users.delete(alice.id, at(20));

      const queued = await store.deletions.list(10);
      expect(queued.map((row) => [row.videoId, row.nextAttemptAt.getTime()])).toEqual([
        [video.id, at(10).getTime()],
        [other.id, at(20).getTime()],
      ]);
    });

    it('frees the name of a deleted user and ignores unknown ids', async () => {
      const alice = await addUser('alice');
      await store.users.delete(newUser('ghost').id, at(0));
      expect((await store.users.findByName('alice'))?.id).toBe(alice.id);

      await store.users.delete(alice.id, at(0));
      const again = await addUser('alice');
      expect(again.id).not.toBe(alice.id);
      expect((await store.users.findByName('alice'))?.id).toBe(again.id);
    });
  });

  describe('sessions', () => {
    it('finds an active session with its user name', async () => {
      const alice = await addUser('alice');
      const session = newSession(alice.id, at(HOUR));
      await store.sessions.create(session, at(0), 100);
      expect(await store.sessions.findActive(session.idHash, at(0))).toEqual({
        idHash: session.idHash,
        userId: alice.id,
        userName: 'alice',
        expiresAt: session.expiresAt,
      });
      expect(await store.sessions.findActive(newIdHash(), at(0))).toBeUndefined();
    });

    it('treats a session as expired from its expiry instant on', async () => {
      const alice = await addUser('alice');
      const session = newSession(alice.id, at(HOUR));
      await store.sessions.create(session, at(0), 100);
      expect(await store.sessions.findActive(session.idHash, at(HOUR - 1))).toBeDefined();
      expect(await store.sessions.findActive(session.idHash, at(HOUR))).toBeUndefined();
      expect(await store.sessions.findActive(session.idHash, at(2 * HOUR))).toBeUndefined();
    });

    it('extends a session to a new expiry', async () => {
      const alice = await addUser('alice');
      const session = newSession(alice.id, at(HOUR));
      await store.sessions.create(session, at(0), 100);
      await store.sessions.extend(session.idHash, at(3 * HOUR));

      const found = await store.sessions.findActive(session.idHash, at(2 * HOUR));
      expect(found?.expiresAt.getTime()).toBe(at(3 * HOUR).getTime());
      expect(await store.sessions.findActive(session.idHash, at(3 * HOUR))).toBeUndefined();

      // Extending an unknown session creates nothing.
      const unknown = newIdHash();
      await store.sessions.extend(unknown, at(3 * HOUR));
      expect(await store.sessions.findActive(unknown, at(0))).toBeUndefined();
    });

    it('deletes one session and leaves the others of the user', async () => {
      const alice = await addUser('alice');
      const other = newSession(alice.id, at(HOUR));
      await store.sessions.create(other, at(0), 100);
      await store.sessions.delete(alice.sessionHash);
      expect(await store.sessions.findActive(alice.sessionHash, at(0))).toBeUndefined();
      expect(await store.sessions.findActive(other.idHash, at(0))).toBeDefined();
      await store.sessions.delete(newIdHash());
      expect(await store.sessions.findActive(other.idHash, at(0))).toBeDefined();
    });

    it("sweeps the user's expired sessions when creating one, and nobody else's", async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const expired = newSession(alice.id, at(HOUR));
      const expiresNow = newSession(alice.id, at(2 * HOUR));
      const valid = newSession(alice.id, at(5 * HOUR));
      const bobsExpired = newSession(bob.id, at(HOUR));
      for (const session of [expired, expiresNow, valid, bobsExpired]) await store.sessions.create(session, at(0), 100);

      await store.sessions.create(newSession(alice.id, at(10 * HOUR)), at(2 * HOUR), 100);

      // Looked up at T0, when all of them were valid: only a swept session is missing.
      expect(await store.sessions.findActive(expired.idHash, at(0))).toBeUndefined();
      expect(await store.sessions.findActive(expiresNow.idHash, at(0))).toBeUndefined();
      expect(await store.sessions.findActive(valid.idHash, at(0))).toBeDefined();
      expect(await store.sessions.findActive(bobsExpired.idHash, at(0))).toBeDefined();
    });
  });

  describe('videos', () => {
    it('creates and finds a video with its author name', async () => {
      const alice = await addUser('alice');
      const pending = await addVideo(alice.id, at(1), { name: 'holiday' });
      const ready = await addVideo(alice.id, at(2), {
        status: 'ready',
        size: 5_000_000_123,
        contentType: 'video/webm',
      });
      expect(await store.videos.find(pending.id)).toEqual({ ...pending, authorName: 'alice' });
      expect(await store.videos.find(ready.id)).toEqual({ ...ready, authorName: 'alice' });
      expect(await store.videos.find(orderedId(1))).toBeUndefined();
    });

    it('lists an author’s videos newest first, ties broken by id descending', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      // Inserted out of order on purpose; three share one millisecond.
      await addVideo(alice.id, at(10), { id: orderedId(2) });
      await addVideo(alice.id, at(30), { id: orderedId(1) });
      await addVideo(alice.id, at(20), { id: orderedId(5) });
      await addVideo(alice.id, at(20), { id: orderedId(9) });
      await addVideo(alice.id, at(20), { id: orderedId(7) });
      await addVideo(bob.id, at(25), { id: orderedId(3) });
      const listed = await store.videos.listByAuthor(alice.id, { limit: 100 });
      expect(listed.map((video) => video.id)).toEqual([
        orderedId(1),
        orderedId(9),
        orderedId(7),
        orderedId(5),
        orderedId(2),
      ]);
      expect(listed.every((video) => video.authorName === 'alice')).toBe(true);
    });

    it('respects the limit', async () => {
      const alice = await addUser('alice');
      for (let i = 0; i < 5; i++) await addVideo(alice.id, at(i));
      expect(await store.videos.listByAuthor(alice.id, { limit: 3 })).toHaveLength(3);
      expect(await store.videos.listByAuthor(alice.id, { limit: 1 })).toHaveLength(1);
      expect(await store.videos.listByAuthor(alice.id, { limit: 100 })).toHaveLength(5);
    });

    it('pages through videos without skipping or repeating, across many ties', async () => {
      const alice = await addUser('alice');
      const videos: VideoRecord[] = [];
      // 23 videos over 5 distinct instants, so most page boundaries fall inside a tie.
      for (let i = 0; i < 23; i++) videos.push(await addVideo(alice.id, at((i * 7) % 5)));
      const expected = expectedOrder(videos).map((video) => video.id);

      for (const limit of [1, 2, 4, 5, 23, 50]) {
        const { rows, pages } = await readAllPages(
          (after) => store.videos.listByAuthor(alice.id, after ? { limit, after } : { limit }),
          limit,
        );
        expect(rows.map((video) => video.id)).toEqual(expected);
        expect(pages).toBe(Math.floor(23 / limit) + 1);
      }
    });

    it('keeps paging from a position whose row was deleted or when newer rows arrive', async () => {
      const alice = await addUser('alice');
      const videos: VideoRecord[] = [];
      for (let i = 0; i < 6; i++) videos.push(await addVideo(alice.id, at(i % 3)));
      const expected = expectedOrder(videos);

      const first = await store.videos.listByAuthor(alice.id, { limit: 3 });
      expect(first.map((video) => video.id)).toEqual(expected.slice(0, 3).map((video) => video.id));
      const last = first[2];
      if (!last) throw new Error('expected a full first page');
      expect(await store.videos.markDeleted(last.id, at(100))).toBe(true);
      await addVideo(alice.id, at(50));

      const second = await store.videos.listByAuthor(alice.id, {
        limit: 3,
        after: { createdAt: last.createdAt, id: last.id },
      });
      expect(second.map((video) => video.id)).toEqual(expected.slice(3).map((video) => video.id));
    });

    it('leaves videos being deleted out of find and lists', async () => {
      const alice = await addUser('alice');
      const kept = await addVideo(alice.id, at(1));
      const marked = await addVideo(alice.id, at(2));
      const createdDeleting = await addVideo(alice.id, at(3), { status: 'deleting' });
      expect(await store.videos.markDeleted(marked.id, at(10))).toBe(true);

      expect(await store.videos.find(marked.id)).toBeUndefined();
      expect(await store.videos.find(createdDeleting.id)).toBeUndefined();
      expect((await store.videos.listByAuthor(alice.id, { limit: 10 })).map((video) => video.id)).toEqual([kept.id]);
    });

    it('marks a video deleted once and queues it exactly once', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1), { status: 'ready', size: 10, contentType: 'video/mp4' });
      const untouched = await addVideo(alice.id, at(2));

      expect(await store.videos.markDeleted(video.id, at(100))).toBe(true);
      expect(await store.videos.markDeleted(video.id, at(200))).toBe(false);
      expect(await store.videos.markDeleted(orderedId(42), at(300))).toBe(false);

      expect(await store.deletions.list(10)).toEqual([
        { videoId: video.id, attempts: 0, nextAttemptAt: at(100), dead: false, lastError: null },
      ]);
      expect(await store.videos.find(untouched.id)).toBeDefined();
    });

    it('marks a pending video ready once, with its size and content type', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1), { name: 'upload me' });
      const other = await addVideo(alice.id, at(2));
      const file = { size: 5_000_000_123, contentType: 'video/webm' };

      expect(await store.videos.markReady(video.id, file)).toBe(true);
      const ready = { ...video, status: 'ready' as const, ...file, authorName: 'alice' };
      expect(await store.videos.find(video.id)).toEqual(ready);
      expect(await store.videos.listByAuthor(alice.id, { limit: 10 })).toEqual([
        { ...other, authorName: 'alice' },
        ready,
      ]);

      // Marked again (an upload that replaces a file lost after an unanswered markReady): the new file's record.
      const again = { size: 1, contentType: 'video/mp4' };
      expect(await store.videos.markReady(video.id, again)).toBe(true);
      expect(await store.videos.find(video.id)).toEqual({ ...ready, ...again });
      // The same record twice changes nothing and still says ready.
      expect(await store.videos.markReady(video.id, again)).toBe(true);
      expect((await store.videos.find(other.id))?.status).toBe('pending');
    });

    it('does not mark ready a video being deleted or an unknown one', async () => {
      const alice = await addUser('alice');
      const marked = await addVideo(alice.id, at(1));
      const createdDeleting = await addVideo(alice.id, at(2), { status: 'deleting' });
      expect(await store.videos.markDeleted(marked.id, at(10))).toBe(true);
      const file = { size: 10, contentType: 'video/mp4' };

      expect(await store.videos.markReady(marked.id, file)).toBe(false);
      expect(await store.videos.markReady(createdDeleting.id, file)).toBe(false);
      expect(await store.videos.markReady(orderedId(42), file)).toBe(false);
      expect(await store.videos.find(marked.id)).toBeUndefined();
      expect(await store.videos.find(createdDeleting.id)).toBeUndefined();
      expect(await store.videos.listByAuthor(alice.id, { limit: 10 })).toEqual([]);
      // Still queued for the scheduler exactly as before.
      expect(await store.deletions.list(10)).toEqual([
        { videoId: marked.id, attempts: 0, nextAttemptAt: at(10), dead: false, lastError: null },
      ]);
    });

    it('keeps one whole record of 10 concurrent markReady calls', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.videos.markReady(video.id, { size: 100 + i, contentType: `video/x-${i}` }),
        ),
      );
      expect(results.every(Boolean)).toBe(true);
      const found = await store.videos.find(video.id);
      // Size and type come from the same call, never one from each.
      expect(found?.contentType).toBe(`video/x-${(found?.size ?? 0) - 100}`);
    });

    it('lets exactly one of 10 concurrent deletions of a video win', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.videos.markDeleted(video.id, at(100 + i))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const queued = await store.deletions.list(10);
      expect(queued.map((row) => row.videoId)).toEqual([video.id]);
      expect(queued[0]?.nextAttemptAt.getTime()).toBe(at(100 + results.indexOf(true)).getTime());
    });
  });

  describe('comments', () => {
    it('creates comments and lists those of one video, newest first, ties by id descending', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const video = await addVideo(alice.id, at(0));
      const otherVideo = await addVideo(alice.id, at(0));
      const comments = [
        newComment(video.id, alice.id, at(5), { id: orderedId(3), content: 'one' }),
        newComment(video.id, bob.id, at(9), { id: orderedId(1), content: 'two' }),
        newComment(video.id, bob.id, at(5), { id: orderedId(8), content: 'three' }),
        newComment(video.id, alice.id, at(1), { id: orderedId(6), content: 'four' }),
        newComment(otherVideo.id, bob.id, at(7), { id: orderedId(4), content: 'elsewhere' }),
      ];
      for (const comment of comments) await store.comments.create(comment);

      const listed = await store.comments.listByVideo(video.id, { limit: 100 });
      expect(listed.map((comment) => comment.id)).toEqual([orderedId(1), orderedId(8), orderedId(3), orderedId(6)]);
      expect(listed[0]).toEqual({ ...comments[1], authorName: 'bob' });
      expect(listed[2]).toEqual({ ...comments[0], authorName: 'alice' });
      expect(await store.comments.listByVideo(orderedId(99), { limit: 100 })).toEqual([]);
      expect(await store.comments.listByVideo(video.id, { limit: 2 })).toHaveLength(2);
    });

    it('pages through comments without skipping or repeating, across many ties', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const video = await addVideo(alice.id, at(0));
      const comments = Array.from({ length: 17 }, (_, i) =>
        newComment(video.id, i % 2 ? alice.id : bob.id, at((i * 3) % 4), { content: `comment ${i}` }),
      );
      for (const comment of comments) await store.comments.create(comment);
      const expected = expectedOrder(comments).map((comment) => comment.id);

      for (const limit of [1, 3, 4, 17, 100]) {
        const { rows, pages } = await readAllPages(
          (after) => store.comments.listByVideo(video.id, after ? { limit, after } : { limit }),
          limit,
        );
        expect(rows.map((comment) => comment.id)).toEqual(expected);
        expect(pages).toBe(Math.floor(17 / limit) + 1);
      }
    });
  });

  describe('deletions', () => {
    it('lists queued deletions soonest first, up to the limit', async () => {
      const alice = await addUser('alice');
      const videos = [
        await addVideo(alice.id, at(1)),
        await addVideo(alice.id, at(2)),
        await addVideo(alice.id, at(3)),
      ];
      const [a, b, c] = videos;
      if (!a || !b || !c) throw new Error('three videos expected');
      await store.videos.markDeleted(b.id, at(300));
      await store.videos.markDeleted(c.id, at(100));
      await store.videos.markDeleted(a.id, at(200));

      expect((await store.deletions.list(10)).map((row) => row.videoId)).toEqual([c.id, a.id, b.id]);
      expect((await store.deletions.list(2)).map((row) => row.videoId)).toEqual([c.id, a.id]);
    });

    it('orders deletions due at the same time by video id', async () => {
      const alice = await addUser('alice');
      for (const n of [3, 1, 2]) await addVideo(alice.id, at(n), { id: orderedId(n) });
      await store.users.delete(alice.id, at(100));
      expect((await store.deletions.list(10)).map((row) => row.videoId)).toEqual([
        orderedId(1),
        orderedId(2),
        orderedId(3),
      ]);
    });
  });

  describe('deletion queue', () => {
    const LEASE = 60_000;
    const failure = (error: string, nextAttemptAt: Date, dead = false) => ({ error, nextAttemptAt, dead });
    const ids = (claims: { videoId: string }[]) => claims.map((claim) => claim.videoId);

    it('enqueue marks the video deleting and queues it once, however often it is called', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1), { status: 'ready', size: 10, contentType: 'video/mp4' });
      const kept = await addVideo(alice.id, at(2));

      await store.deletions.enqueue(video.id, at(100));
      await store.deletions.enqueue(video.id, at(200));
      expect(await store.videos.find(video.id)).toBeUndefined();
      expect((await store.videos.listByAuthor(alice.id, { limit: 10 })).map((v) => v.id)).toEqual([kept.id]);
      expect(await store.videos.markDeleted(video.id, at(300))).toBe(false);
      expect(await store.deletions.list(10)).toEqual([
        { videoId: video.id, attempts: 0, nextAttemptAt: at(100), dead: false, lastError: null },
      ]);
      expect(await store.deletions.counts()).toEqual({ queued: 1, dead: 0, deadIds: [] });
    });

    it('enqueue queues a video already marked deleted without a second row', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1));
      expect(await store.videos.markDeleted(video.id, at(10))).toBe(true);
      await store.deletions.enqueue(video.id, at(20));
      expect(await store.deletions.list(10)).toEqual([
        { videoId: video.id, attempts: 0, nextAttemptAt: at(10), dead: false, lastError: null },
      ]);
    });

    it('enqueue queues an unknown id (its file may still be on disk), once', async () => {
      const unknown = orderedId(77);
      await store.deletions.enqueue(unknown, at(5));
      await store.deletions.enqueue(unknown, at(6));
      expect(await store.deletions.list(10)).toEqual([
        { videoId: unknown, attempts: 0, nextAttemptAt: at(5), dead: false, lastError: null },
      ]);
      expect(ids(await store.deletions.claim('a', at(5), LEASE, 10))).toEqual([unknown]);
      expect(await store.deletions.complete(unknown, 'a')).toBe(true);
      expect(await store.deletions.list(10)).toEqual([]);
    });

    it('lets exactly one of 10 concurrent enqueues of one id queue it', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1));
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          Promise.all([store.deletions.enqueue(video.id, at(100)), store.deletions.enqueue(orderedId(i % 2), at(100))]),
        ),
      );
      expect(ids(await store.deletions.list(10)).sort()).toEqual([orderedId(0), orderedId(1), video.id].sort());
      expect(await store.videos.find(video.id)).toBeUndefined();
    });

    it('claims only due rows, soonest first then by id, up to the limit', async () => {
      for (const [n, due] of [
        [3, 10],
        [1, 20],
        [2, 10],
        [4, 30],
        [5, 10],
      ] as const) {
        await store.deletions.enqueue(orderedId(n), at(due));
      }
      expect(await store.deletions.claim('a', at(9), LEASE, 10)).toEqual([]);
      expect(await store.deletions.claim('a', at(20), LEASE, 0)).toEqual([]);
      expect(await store.deletions.claim('a', at(20), LEASE, 2)).toEqual([
        { videoId: orderedId(2), attempts: 0 },
        { videoId: orderedId(3), attempts: 0 },
      ]);
      expect(ids(await store.deletions.claim('a', at(20), LEASE, 10))).toEqual([orderedId(5), orderedId(1)]);
      expect(await store.deletions.claim('a', at(29), LEASE, 10)).toEqual([]);
      expect(ids(await store.deletions.claim('b', at(30), LEASE, 10))).toEqual([orderedId(4)]);
    });

    it('does not claim a leased row again before its lease expires, and lets another owner take it after', async () => {
      await store.deletions.enqueue(orderedId(1), at(0));
      expect(ids(await store.deletions.claim('a', at(0), 1000, 10))).toEqual([orderedId(1)]);
      expect(await store.deletions.claim('a', at(999), 1000, 10)).toEqual([]);
      expect(await store.deletions.claim('b', at(999), 1000, 10)).toEqual([]);
      expect(ids(await store.deletions.claim('b', at(1000), 1000, 10))).toEqual([orderedId(1)]);
      // Taken over: the first owner can neither finish nor fail it any more.
      expect(await store.deletions.complete(orderedId(1), 'a')).toBe(false);
      await store.deletions.fail(orderedId(1), 'a', failure('late', at(5000)));
      expect(await store.deletions.list(10)).toEqual([
        { videoId: orderedId(1), attempts: 0, nextAttemptAt: at(0), dead: false, lastError: null },
      ]);
      expect(await store.deletions.complete(orderedId(1), 'b')).toBe(true);
    });

    it('complete removes the video, its comments and the queue row, and only for the lease owner', async () => {
      const alice = await addUser('alice');
      const bob = await addUser('bob');
      const doomed = await addVideo(alice.id, at(1));
      const kept = await addVideo(alice.id, at(2));
      await store.comments.create(newComment(doomed.id, bob.id, at(3)));
      const keptComment = newComment(kept.id, bob.id, at(4));
      await store.comments.create(keptComment);
      await store.deletions.enqueue(doomed.id, at(10));

      // Not claimed yet: nobody holds the lease.
      expect(await store.deletions.complete(doomed.id, 'a')).toBe(false);
      expect(ids(await store.deletions.claim('a', at(10), LEASE, 10))).toEqual([doomed.id]);
      expect(await store.deletions.complete(doomed.id, 'b')).toBe(false);
      expect(ids(await store.deletions.list(10))).toEqual([doomed.id]);
      expect(await store.comments.listByVideo(doomed.id, { limit: 10 })).toHaveLength(1);

      expect(await store.deletions.complete(doomed.id, 'a')).toBe(true);
      expect(await store.deletions.list(10)).toEqual([]);
      expect(await store.comments.listByVideo(doomed.id, { limit: 10 })).toEqual([]);
      expect(await store.videos.find(doomed.id)).toBeUndefined();
      // Done once: a second complete finds no row to remove.
      expect(await store.deletions.complete(doomed.id, 'a')).toBe(false);
      expect((await store.videos.find(kept.id))?.id).toBe(kept.id);
      expect((await store.comments.listByVideo(kept.id, { limit: 10 })).map((c) => c.id)).toEqual([keptComment.id]);
      expect(await store.deletions.counts()).toEqual({ queued: 0, dead: 0, deadIds: [] });
    });

    it('complete works for the rows of a deleted user', async () => {
      const alice = await addUser('alice');
      const video = await addVideo(alice.id, at(1), { status: 'ready', size: 1, contentType: 'video/mp4' });
      await store.users.delete(alice.id, at(10));
      expect(ids(await store.deletions.claim('a', at(10), LEASE, 10))).toEqual([video.id]);
      expect(await store.deletions.complete(video.id, 'a')).toBe(true);
      expect(await store.deletions.list(10)).toEqual([]);
    });

    it('fail counts the attempt, records the error and the next attempt, and clears the lease', async () => {
      await store.deletions.enqueue(orderedId(1), at(0));
      expect(await store.deletions.claim('a', at(0), LEASE, 10)).toEqual([{ videoId: orderedId(1), attempts: 0 }]);
      await store.deletions.fail(orderedId(1), 'b', failure('not the owner', at(1)));
      await store.deletions.fail(orderedId(1), 'a', failure('EACCES: permission denied', at(2000)));
      expect(await store.deletions.list(10)).toEqual([
        {
          videoId: orderedId(1),
          attempts: 1,
          nextAttemptAt: at(2000),
          dead: false,
          lastError: 'EACCES: permission denied',
        },
      ]);
      // The lease is gone, so a second fail by the old owner changes nothing.
      await store.deletions.fail(orderedId(1), 'a', failure('again', at(1)));
      expect((await store.deletions.list(10))[0]?.attempts).toBe(1);
      // Not due before the next attempt; then anyone may claim it, lease or no lease left by 'a'.
      expect(await store.deletions.claim('b', at(1999), LEASE, 10)).toEqual([]);
      expect(await store.deletions.claim('b', at(2000), LEASE, 10)).toEqual([{ videoId: orderedId(1), attempts: 1 }]);
      await store.deletions.fail(orderedId(1), 'b', failure('x'.repeat(5000), at(4000)));
      const [row] = await store.deletions.list(10);
      expect(row?.attempts).toBe(2);
      expect(row?.lastError).toBe('x'.repeat(1000));
    });

    it('keeps a dead row, reports it and never claims it again', async () => {
      await store.deletions.enqueue(orderedId(1), at(0));
      await store.deletions.enqueue(orderedId(2), at(0));
      await store.deletions.enqueue(orderedId(3), at(0));
      expect(await store.deletions.claim('a', at(0), LEASE, 2)).toHaveLength(2);
      await store.deletions.fail(orderedId(2), 'a', failure('gave up', at(100), true));
      await store.deletions.fail(orderedId(1), 'a', failure('gave up too', at(50), true));

      expect(await store.deletions.claim('b', at(10 * LEASE), LEASE, 10)).toEqual([
        { videoId: orderedId(3), attempts: 0 },
      ]);
      expect(await store.deletions.claim('c', at(100 * LEASE), LEASE, 10)).toEqual([
        { videoId: orderedId(3), attempts: 0 },
      ]);
      expect(await store.deletions.list(10)).toEqual([
        { videoId: orderedId(3), attempts: 0, nextAttemptAt: at(0), dead: false, lastError: null },
        { videoId: orderedId(1), attempts: 1, nextAttemptAt: at(50), dead: true, lastError: 'gave up too' },
        { videoId: orderedId(2), attempts: 1, nextAttemptAt: at(100), dead: true, lastError: 'gave up' },
      ]);
      expect(await store.deletions.counts()).toEqual({ queued: 1, dead: 2, deadIds: [orderedId(1), orderedId(2)] });
      // Enqueueing a dead id again (the scheduler route) gives it a fresh start; the other stays dead.
      await store.deletions.enqueue(orderedId(1), at(200));
      expect(await store.deletions.counts()).toEqual({ queued: 2, dead: 1, deadIds: [orderedId(2)] });
      expect(await store.deletions.claim('d', at(200), LEASE, 10)).toEqual([{ videoId: orderedId(1), attempts: 0 }]);
    });

    it('release gives back every lease of one owner and no other', async () => {
      for (const n of [1, 2, 3]) await store.deletions.enqueue(orderedId(n), at(0));
      expect(ids(await store.deletions.claim('a', at(0), LEASE, 2))).toEqual([orderedId(1), orderedId(2)]);
      expect(ids(await store.deletions.claim('b', at(0), LEASE, 2))).toEqual([orderedId(3)]);
      await store.deletions.release('a');
      await store.deletions.release('nobody');
      expect(ids(await store.deletions.claim('c', at(1), LEASE, 10))).toEqual([orderedId(1), orderedId(2)]);
      expect(await store.deletions.complete(orderedId(1), 'a')).toBe(false);
      expect(await store.deletions.complete(orderedId(3), 'b')).toBe(true);
      expect(await store.deletions.complete(orderedId(1), 'c')).toBe(true);
      expect(ids(await store.deletions.list(10))).toEqual([orderedId(2)]);
      // Released rows keep their attempts and due time.
      expect((await store.deletions.list(10))[0]).toEqual({
        videoId: orderedId(2),
        attempts: 0,
        nextAttemptAt: at(0),
        dead: false,
        lastError: null,
      });
    });

    it('counts queued and dead rows and reports at most 20 dead ids', async () => {
      expect(await store.deletions.counts()).toEqual({ queued: 0, dead: 0, deadIds: [] });
      for (let n = 1; n <= 25; n++) await store.deletions.enqueue(orderedId(n), at(0));
      const claimed = await store.deletions.claim('a', at(0), LEASE, 22);
      for (const claim of claimed) await store.deletions.fail(claim.videoId, 'a', failure('dead', at(1), true));
      const counts = await store.deletions.counts();
      expect(counts.queued).toBe(3);
      expect(counts.dead).toBe(22);
      expect(counts.deadIds).toEqual(Array.from({ length: 20 }, (_, i) => orderedId(i + 1)));
    });
  });

  describe('round trips', () => {
    it('keeps every Date to the millisecond, in UTC, whatever the process time zone', async () => {
      const previousTz = process.env.TZ;
      // A zone with a half-hour offset and DST rules nowhere near UTC shows any local-time conversion.
      process.env.TZ = 'America/St_Johns';
      try {
        const instants = [
          new Date('2024-02-29T23:59:59.999Z'),
          new Date('2024-03-10T06:30:00.001Z'),
          new Date('2024-11-03T03:30:00.500Z'),
          new Date('1999-12-31T23:59:59.123Z'),
          new Date('2038-01-19T03:14:08.007Z'),
        ];
        const user = newUser('timekeeper', new Date('2023-07-01T00:00:00.321Z'));
        const session = newSession(user.id, new Date('2099-06-15T12:34:56.789Z'));
        expect(await store.users.create(user, session)).toBe('created');
        expect((await store.users.findByName('timekeeper'))?.createdAt.toISOString()).toBe('2023-07-01T00:00:00.321Z');
        expect((await store.sessions.findActive(session.idHash, at(0)))?.expiresAt.toISOString()).toBe(
          '2099-06-15T12:34:56.789Z',
        );

        for (const instant of instants) {
          const video = await addVideo(user.id, instant);
          const found = await store.videos.find(video.id);
          expect(found?.createdAt).toBeInstanceOf(Date);
          expect(found?.createdAt.toISOString()).toBe(instant.toISOString());

          const comment = newComment(video.id, user.id, instant);
          await store.comments.create(comment);
          const [listed] = await store.comments.listByVideo(video.id, { limit: 1 });
          expect(listed?.createdAt.toISOString()).toBe(instant.toISOString());

          expect(await store.videos.markDeleted(video.id, instant)).toBe(true);
        }
        const queued = await store.deletions.list(10);
        expect(queued.map((row) => row.nextAttemptAt.toISOString()).sort()).toEqual(
          instants.map((instant) => instant.toISOString()).sort(),
        );

        await store.sessions.extend(session.idHash, new Date('2100-01-01T00:00:00.999Z'));
        expect((await store.sessions.findActive(session.idHash, at(0)))?.expiresAt.toISOString()).toBe(
          '2100-01-01T00:00:00.999Z',
        );
      } finally {
        if (previousTz === undefined) delete process.env.TZ;
        else process.env.TZ = previousTz;
      }
    });

    it('compares times to the millisecond when paging', async () => {
      const alice = await addUser('alice');
      const older = await addVideo(alice.id, new Date(T0), { id: orderedId(9) });
      const newer = await addVideo(alice.id, new Date(T0 + 1), { id: orderedId(1) });
      const after = { createdAt: newer.createdAt, id: newer.id };
      expect((await store.videos.listByAuthor(alice.id, { limit: 10, after })).map((video) => video.id)).toEqual([
        older.id,
      ]);
    });

    it('keeps its own copy of the Dates it is given', async () => {
      const alice = await addUser('alice');
      const createdAt = at(1);
      const video = await addVideo(alice.id, createdAt);
      createdAt.setTime(0);
      const found = await store.videos.find(video.id);
      expect(found?.createdAt.getTime()).toBe(at(1).getTime());
      found?.createdAt.setTime(0);
      expect((await store.videos.find(video.id))?.createdAt.getTime()).toBe(at(1).getTime());
    });

    it('keeps unicode text intact: emoji, CJK, combining marks and NUL', async () => {
      const alice = await addUser('alice');
      for (const [i, text] of UNICODE_SAMPLES.entries()) {
        const video = await addVideo(alice.id, at(i), { name: text });
        expect((await store.videos.find(video.id))?.name).toBe(text);
        await store.comments.create(newComment(video.id, alice.id, at(i), { content: text }));
        const [comment] = await store.comments.listByVideo(video.id, { limit: 1 });
        expect(comment?.content).toBe(text);
      }
    });

    it('stores names and comments at their full length in CJK and emoji', async () => {
      const alice = await addUser('alice');
      // The API counts UTF-16 code units: 200 for names, 2000 for comments.
      const name = `${'映'.repeat(199)}画`;
      const video = await addVideo(alice.id, at(0), { name });
      expect((await store.videos.find(video.id))?.name).toBe(name);

      const content = '😀'.repeat(1000);
      const cjk = '語'.repeat(2000);
      await store.comments.create(newComment(video.id, alice.id, at(1), { content }));
      await store.comments.create(newComment(video.id, alice.id, at(2), { content: cjk }));
      const listed = await store.comments.listByVideo(video.id, { limit: 10 });
      expect(listed.map((comment) => comment.content)).toEqual([cjk, content]);
    });
  });

  describe('lifecycle', () => {
    it('answers ping while open and rejects once closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.users.findByName('alice')).rejects.toThrow();
    });
  });
}
