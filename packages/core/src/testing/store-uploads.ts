import { describe, expect, it } from 'vitest';
import type { ResumableUploadRecord, Store, VideoRecord } from '../store/types.js';
import { at, newSession, newUpload, newUploadId, newUser, newVideo, orderedId } from './fixtures.js';
import { freshStoreEachTest, type StoreSuiteTarget } from './target.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LEASE = 60_000;
const GIB = 2 ** 30;

/** A checkpoint's progress. */
const progress = (offset: number, expiresAt: Date, leaseUntil: Date | null) => ({ offset, expiresAt, leaseUntil });

/**
 * The resumable (tus) uploads every Store adapter keeps: one unfinished upload per pending video,
 * written under leases that end at their time, expired ones found and removed, and every upload of
 * a video removed with it.
 */
export function storeUploads(target: StoreSuiteTarget): void {
  let store: Store;
  /** The author of the videos `addVideo` makes, registered on first use in each test. */
  let authorId: string | undefined;
  freshStoreEachTest(target, (opened) => {
    store = opened;
    authorId = undefined;
  });

  const addUser = async (userName: string) => {
    const user = newUser(userName);
    expect(await store.users.create(user, newSession(user.id, at(DAY)))).toBe('created');
    return user;
  };

  /** A stored video, `pending` unless said otherwise. */
  const addVideo = async (overrides: Partial<VideoRecord> = {}) => {
    authorId ??= (await addUser('uploader')).id;
    const video = newVideo(authorId, at(0), overrides);
    expect(await store.videos.create(video)).toBe('created');
    return video;
  };

  /** A stored upload of `videoId`, its first. */
  const addUpload = async (videoId: string, overrides: Partial<ResumableUploadRecord> = {}) => {
    const upload = newUpload(videoId, overrides);
    expect(await store.uploads.create(upload)).toEqual({ replaced: [] });
    return upload;
  };

  /** A stored upload of a new pending video. */
  const pendingUpload = async (overrides: Partial<ResumableUploadRecord> = {}) =>
    addUpload((await addVideo()).id, overrides);

  const ids = (rows: { videoId: string }[]) => rows.map((row) => row.videoId);

  describe('resumable uploads', () => {
    it('stores an upload of a pending video and finds it until it expires', async () => {
      const video = await addVideo();
      const upload = newUpload(video.id, { expiresAt: at(HOUR) });
      expect(await store.uploads.create(upload)).toEqual({ replaced: [] });
      expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);
      expect(await store.uploads.find(upload.id, at(HOUR - 1))).toEqual(upload);
      // Expired from its expiry instant on.
      expect(await store.uploads.find(upload.id, at(HOUR))).toBeUndefined();
      expect(await store.uploads.find(upload.id, at(2 * HOUR))).toBeUndefined();
      expect(await store.uploads.find(newUploadId(), at(0))).toBeUndefined();
      // Finding reads only: the row is still there at an earlier time.
      expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);
    });

    it('refuses an upload of a video that is ready, being deleted or missing, changing nothing', async () => {
      const ready = await addVideo({ status: 'ready', size: 10, contentType: 'video/mp4' });
      const deleting = await addVideo();
      expect(await store.videos.markDeleted(deleting.id, at(1))).toBe(true);
      for (const videoId of [ready.id, deleting.id, orderedId(1)]) {
        const upload = newUpload(videoId);
        expect(await store.uploads.create(upload)).toBe('no-video');
        expect(await store.uploads.find(upload.id, at(0))).toBeUndefined();
      }

      // A video that became ready keeps the upload it had: a refused creation replaces nothing.
      const pending = await addVideo();
      const first = await addUpload(pending.id);
      expect(await store.videos.markReady(pending.id, { size: 10, contentType: 'video/mp4' })).toBe(true);
      expect(await store.uploads.create(newUpload(pending.id))).toBe('no-video');
      expect(await store.uploads.find(first.id, at(0))).toEqual(first);

      // The videos of a deleted user are being deleted.
      const bob = await addUser('bob');
      const bobs = newVideo(bob.id, at(0));
      expect(await store.videos.create(bobs)).toBe('created');
      await store.users.delete(bob.id, at(2));
      expect(await store.uploads.create(newUpload(bobs.id))).toBe('no-video');
      expect(await store.uploads.expired(at(100 * DAY), 10)).toEqual([first]);
    });

    it("replaces the video's upload, leased or not, and gives back the one replaced as it stood", async () => {
      const video = await addVideo();
      const neighbour = await pendingUpload();
      const first = await addUpload(video.id, { length: 500 });
      expect(await store.uploads.acquire(first.id, 'a', at(0), at(LEASE))).toEqual(first);
      expect(await store.uploads.checkpoint(first.id, 'a', progress(200, at(2 * DAY), at(LEASE)))).toBe(true);

      const second = newUpload(video.id, { createdAt: at(10), expiresAt: at(3 * DAY) });
      expect(await store.uploads.create(second)).toEqual({
        replaced: [{ ...first, offset: 200, expiresAt: at(2 * DAY) }],
      });
      // The replaced upload is gone for its lease holder too.
      expect(await store.uploads.find(first.id, at(0))).toBeUndefined();
      expect(await store.uploads.acquire(first.id, 'a', at(1), at(LEASE))).toBeUndefined();
      expect(await store.uploads.checkpoint(first.id, 'a', progress(300, at(2 * DAY), null))).toBe(false);
      expect(await store.uploads.delete(first.id, 'a')).toBe(false);
      expect(await store.uploads.find(second.id, at(0))).toEqual(second);
      // The new upload is free: the replaced one's lease does not carry over.
      expect(await store.uploads.acquire(second.id, 'b', at(1), at(LEASE))).toEqual(second);

      // Replaced while leased by 'b': given back all the same.
      const third = newUpload(video.id, { createdAt: at(4 * DAY), expiresAt: at(5 * DAY) });
      expect(await store.uploads.create(third)).toEqual({ replaced: [second] });
      // One upload per video, the other video's untouched.
      expect(await store.uploads.expired(at(100 * DAY), 10)).toEqual([neighbour, third]);
    });

    it('leases an upload to one owner at a time; a lease ends at its time and another owner may take it then', async () => {
      const upload = await pendingUpload();
      expect(await store.uploads.acquire(upload.id, 'a', at(0), at(1000))).toEqual(upload);
      expect(await store.uploads.acquire(upload.id, 'b', at(0), at(1000))).toBe('busy');
      expect(await store.uploads.acquire(upload.id, 'b', at(999), at(2000))).toBe('busy');
      // Its holder takes it again, and the lease goes on to the new time.
      expect(await store.uploads.acquire(upload.id, 'a', at(500), at(1500))).toEqual(upload);
      expect(await store.uploads.acquire(upload.id, 'b', at(1000), at(2000))).toBe('busy');
      expect(await store.uploads.acquire(upload.id, 'b', at(1499), at(2000))).toBe('busy');
      // 'busy' changed nothing: the lease is still a's.
      expect(await store.uploads.checkpoint(upload.id, 'b', progress(5, at(DAY), at(2000)))).toBe(false);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(5, at(DAY), at(1500)))).toBe(true);

      // Ended at its time: another owner takes it over, and the first can neither write nor take it back.
      const taken = { ...upload, offset: 5 };
      expect(await store.uploads.acquire(upload.id, 'b', at(1500), at(2500))).toEqual(taken);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(10, at(DAY), at(3000)))).toBe(false);
      expect(await store.uploads.delete(upload.id, 'a')).toBe(false);
      expect(await store.uploads.acquire(upload.id, 'a', at(2499), at(3000))).toBe('busy');
      expect(await store.uploads.find(upload.id, at(0))).toEqual(taken);
    });

    it('leases nothing when the upload is gone or expired', async () => {
      expect(await store.uploads.acquire(newUploadId(), 'a', at(0), at(LEASE))).toBeUndefined();
      const upload = await pendingUpload({ expiresAt: at(HOUR) });
      expect(await store.uploads.acquire(upload.id, 'a', at(HOUR), at(HOUR + LEASE))).toBeUndefined();
      expect(await store.uploads.acquire(upload.id, 'a', at(2 * HOUR), at(2 * HOUR + LEASE))).toBeUndefined();
      // Nothing was leased: another owner takes it before its expiry.
      expect(await store.uploads.acquire(upload.id, 'b', at(HOUR - 1), at(HOUR + LEASE))).toEqual(upload);
      // Expired under a live lease: gone all the same, not busy.
      expect(await store.uploads.acquire(upload.id, 'a', at(HOUR), at(HOUR + 2 * LEASE))).toBeUndefined();
      expect(await store.uploads.delete(upload.id)).toBe(true);
      expect(await store.uploads.acquire(upload.id, 'b', at(0), at(LEASE))).toBeUndefined();
    });

    it('records progress for the lease holder only, and gives the lease back with null', async () => {
      const upload = await pendingUpload({ length: 1000 });
      // Nobody holds it: nobody records progress.
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(100, at(DAY), at(LEASE)))).toBe(false);
      expect(await store.uploads.acquire(upload.id, 'a', at(0), at(1000))).toEqual(upload);
      expect(await store.uploads.checkpoint(upload.id, 'b', progress(100, at(2 * DAY), at(LEASE)))).toBe(false);
      expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);

      expect(await store.uploads.checkpoint(upload.id, 'a', progress(400, at(2 * DAY), at(5000)))).toBe(true);
      const moved = { ...upload, offset: 400, expiresAt: at(2 * DAY) };
      // Found past its first expiry: the checkpoint moved it.
      expect(await store.uploads.find(upload.id, at(DAY))).toEqual(moved);
      // The lease now ends at 5000.
      expect(await store.uploads.acquire(upload.id, 'b', at(4999), at(9000))).toBe('busy');
      // The holder records progress past its lease's time as long as nobody took it; the same
      // progress twice is recorded twice.
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(600, at(2 * DAY), at(9000)))).toBe(true);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(600, at(2 * DAY), at(9000)))).toBe(true);

      // Given back: the old holder no longer writes, anyone takes it at once (before 9000).
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(700, at(2 * DAY), null))).toBe(true);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(800, at(2 * DAY), null))).toBe(false);
      expect(await store.uploads.delete(upload.id, 'a')).toBe(false);
      expect(await store.uploads.acquire(upload.id, 'b', at(1), at(LEASE))).toEqual({ ...moved, offset: 700 });
    });

    it('answers false to a checkpoint or a delete once the upload is deleted', async () => {
      const upload = await pendingUpload();
      expect(await store.uploads.acquire(upload.id, 'a', at(0), at(LEASE))).toEqual(upload);
      // Without an owner, removed whoever holds its lease.
      expect(await store.uploads.delete(upload.id)).toBe(true);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(10, at(DAY), at(LEASE)))).toBe(false);
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(10, at(DAY), null))).toBe(false);
      expect(await store.uploads.delete(upload.id, 'a')).toBe(false);
      expect(await store.uploads.delete(upload.id)).toBe(false);
      expect(await store.uploads.find(upload.id, at(0))).toBeUndefined();
      // A checkpoint does not bring it back.
      expect(await store.uploads.expired(at(100 * DAY), 10)).toEqual([]);
      expect(await store.uploads.delete(newUploadId())).toBe(false);
    });

    it('deletes with an owner only while that owner holds the lease', async () => {
      const upload = await pendingUpload();
      // Nobody holds it.
      expect(await store.uploads.delete(upload.id, 'a')).toBe(false);
      expect(await store.uploads.acquire(upload.id, 'a', at(0), at(LEASE))).toEqual(upload);
      expect(await store.uploads.delete(upload.id, 'b')).toBe(false);
      expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);
      expect(await store.uploads.delete(upload.id, 'a')).toBe(true);
      expect(await store.uploads.find(upload.id, at(0))).toBeUndefined();
      expect(await store.uploads.delete(upload.id, 'a')).toBe(false);
    });

    it('lists expired uploads without a live lease, the earliest expired first, up to the limit', async () => {
      const early = await pendingUpload({ expiresAt: at(HOUR) });
      const later = await pendingUpload({ expiresAt: at(3 * HOUR) });
      const leased = await pendingUpload({ expiresAt: at(2 * HOUR) });
      const lapsed = await pendingUpload({ expiresAt: at(2 * HOUR + 1) });
      const atNow = await pendingUpload({ expiresAt: at(4 * HOUR) });
      const live = await pendingUpload({ expiresAt: at(4 * HOUR + 1) });
      expect(await store.uploads.acquire(leased.id, 'a', at(HOUR), at(5 * HOUR))).toEqual(leased);
      // A lease that ends exactly at `now` has ended.
      expect(await store.uploads.acquire(lapsed.id, 'b', at(HOUR), at(4 * HOUR))).toEqual(lapsed);

      const now = at(4 * HOUR);
      expect(await store.uploads.expired(now, 10)).toEqual([early, lapsed, later, atNow]);
      expect(await store.uploads.expired(now, 2)).toEqual([early, lapsed]);
      expect(await store.uploads.expired(now, 0)).toEqual([]);
      expect(await store.uploads.expired(at(HOUR - 1), 10)).toEqual([]);
      expect(await store.uploads.expired(at(5 * HOUR), 10)).toEqual([early, leased, lapsed, later, atNow, live]);
      // Listing removes nothing.
      expect(await store.uploads.find(early.id, at(0))).toEqual(early);
    });

    it('deleteExpired removes an upload only while it is expired with no live lease', async () => {
      const upload = await pendingUpload({ expiresAt: at(HOUR) });
      expect(await store.uploads.deleteExpired(upload.id, at(HOUR - 1))).toBe(false);
      expect(await store.uploads.acquire(upload.id, 'a', at(HOUR - 1), at(HOUR + 1000))).toEqual(upload);
      expect(await store.uploads.deleteExpired(upload.id, at(HOUR))).toBe(false);
      expect(await store.uploads.deleteExpired(upload.id, at(HOUR + 999))).toBe(false);
      expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);
      // Its holder moved the expiry on and gave the lease back: not expired any more at HOUR + 1000.
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(5, at(2 * HOUR), null))).toBe(true);
      expect(await store.uploads.deleteExpired(upload.id, at(HOUR + 1000))).toBe(false);
      expect(await store.uploads.deleteExpired(upload.id, at(2 * HOUR))).toBe(true);
      expect(await store.uploads.find(upload.id, at(0))).toBeUndefined();
      expect(await store.uploads.deleteExpired(upload.id, at(3 * HOUR))).toBe(false);
      expect(await store.uploads.deleteExpired(newUploadId(), at(3 * HOUR))).toBe(false);

      // A lease that has ended does not keep it: its holder then finds it gone.
      const other = await pendingUpload({ expiresAt: at(HOUR) });
      expect(await store.uploads.acquire(other.id, 'b', at(0), at(HOUR + 10))).toEqual(other);
      expect(await store.uploads.deleteExpired(other.id, at(HOUR + 10))).toBe(true);
      expect(await store.uploads.checkpoint(other.id, 'b', progress(5, at(2 * HOUR), null))).toBe(false);
    });

    it('goes with its video when the scheduler removes the video, even under a live lease', async () => {
      const doomed = await addVideo();
      const gone = await addUpload(doomed.id);
      const stays = await pendingUpload();
      expect(await store.uploads.acquire(gone.id, 'writer', at(0), at(DAY))).toEqual(gone);
      await store.deletions.enqueue(doomed.id, at(10));
      expect(await store.uploads.create(newUpload(doomed.id))).toBe('no-video');
      expect(ids(await store.deletions.claim('scheduler', at(10), LEASE, 10))).toEqual([doomed.id]);
      expect(await store.deletions.complete(doomed.id, 'scheduler')).toBe(true);

      expect(await store.uploads.find(gone.id, at(0))).toBeUndefined();
      expect(await store.uploads.acquire(gone.id, 'writer', at(1), at(DAY))).toBeUndefined();
      expect(await store.uploads.checkpoint(gone.id, 'writer', progress(1, at(DAY), null))).toBe(false);
      expect(await store.uploads.delete(gone.id)).toBe(false);
      expect(await store.uploads.expired(at(100 * DAY), 10)).toEqual([stays]);
      expect(await store.uploads.find(stays.id, at(0))).toEqual(stays);
    });

    it('goes with its video when the video or its author is deleted and the scheduler removes the video', async () => {
      const bob = await addUser('bob');
      const bobsVideo = newVideo(bob.id, at(0));
      expect(await store.videos.create(bobsVideo)).toBe('created');
      const bobsUpload = await addUpload(bobsVideo.id);
      const deleted = await addVideo();
      const deletedUpload = await addUpload(deleted.id);
      const stays = await pendingUpload();

      expect(await store.videos.markDeleted(deleted.id, at(1))).toBe(true);
      await store.users.delete(bob.id, at(2));
      const claimed = ids(await store.deletions.claim('scheduler', at(2), LEASE, 10));
      expect([...claimed].sort()).toEqual([bobsVideo.id, deleted.id].sort());
      for (const videoId of claimed) expect(await store.deletions.complete(videoId, 'scheduler')).toBe(true);

      expect(await store.uploads.find(bobsUpload.id, at(0))).toBeUndefined();
      expect(await store.uploads.find(deletedUpload.id, at(0))).toBeUndefined();
      expect(await store.uploads.expired(at(100 * DAY), 10)).toEqual([stays]);
    });

    it('keeps Dates to the millisecond and sizes beyond 2^32 exactly', async () => {
      const upload = await pendingUpload({
        length: 10 * GIB + 7,
        offset: 2 ** 32 + 1,
        createdAt: new Date('2024-02-29T23:59:59.999Z'),
        expiresAt: new Date('2038-01-19T03:14:08.007Z'),
      });
      const found = await store.uploads.find(upload.id, at(0));
      expect(found).toEqual(upload);
      expect(found?.length).toBe(10_737_418_247);
      expect(found?.offset).toBe(4_294_967_297);
      expect(found?.createdAt.toISOString()).toBe('2024-02-29T23:59:59.999Z');
      expect(found?.expiresAt.toISOString()).toBe('2038-01-19T03:14:08.007Z');
      // Not found from its expiry's millisecond on.
      expect(await store.uploads.find(upload.id, new Date('2038-01-19T03:14:08.006Z'))).toEqual(upload);
      expect(await store.uploads.find(upload.id, new Date('2038-01-19T03:14:08.007Z'))).toBeUndefined();

      expect(await store.uploads.acquire(upload.id, 'a', at(0), at(1))).toEqual(upload);
      const expiresAt = new Date('2039-06-30T23:59:59.123Z');
      expect(await store.uploads.checkpoint(upload.id, 'a', progress(10 * GIB + 6, expiresAt, at(2)))).toBe(true);
      const moved = { ...upload, offset: 10 * GIB + 6, expiresAt };
      expect(await store.uploads.find(upload.id, at(0))).toEqual(moved);
      // The lease ends at its millisecond, not one later.
      expect(await store.uploads.acquire(upload.id, 'b', at(1), at(3))).toBe('busy');
      expect(await store.uploads.acquire(upload.id, 'b', at(2), at(3))).toEqual(moved);
      expect(await store.uploads.expired(new Date('2039-06-30T23:59:59.122Z'), 10)).toEqual([]);
      expect(await store.uploads.expired(expiresAt, 10)).toEqual([moved]);

      // The largest size an Upload-Length may state comes back whole, replaced as well.
      const largest = await pendingUpload({ length: Number.MAX_SAFE_INTEGER, offset: Number.MAX_SAFE_INTEGER - 1 });
      expect(await store.uploads.find(largest.id, at(0))).toEqual(largest);
      expect(await store.uploads.create(newUpload(largest.videoId))).toEqual({ replaced: [largest] });
    });

    it('keeps its own copy of the Dates it is given', async () => {
      const expiresAt = at(HOUR);
      const upload = await pendingUpload({ expiresAt });
      expiresAt.setTime(0);
      const found = await store.uploads.find(upload.id, at(0));
      expect(found?.expiresAt.getTime()).toBe(at(HOUR).getTime());
      found?.expiresAt.setTime(0);
      expect((await store.uploads.find(upload.id, at(0)))?.expiresAt.getTime()).toBe(at(HOUR).getTime());

      const leaseUntil = at(1000);
      await store.uploads.acquire(upload.id, 'a', at(0), leaseUntil);
      leaseUntil.setTime(0);
      expect(await store.uploads.acquire(upload.id, 'b', at(999), at(2000))).toBe('busy');
    });

    it('leases an upload to exactly one of owners acquiring it at once', async () => {
      for (const owners of [['a', 'b'], ['a', 'b'], ['a', 'b'], Array.from({ length: 8 }, (_, i) => `owner-${i}`)]) {
        const upload = await pendingUpload();
        const results = await Promise.all(
          owners.map((owner) => store.uploads.acquire(upload.id, owner, at(0), at(LEASE))),
        );
        expect(results.filter((result) => result === 'busy')).toHaveLength(owners.length - 1);
        expect(results.filter((result) => result !== 'busy')).toEqual([upload]);
        const winner = owners[results.findIndex((result) => result !== 'busy')];
        // Only the winner's lease was stored: only it records progress.
        const checkpoints = await Promise.all(
          owners.map((owner) => store.uploads.checkpoint(upload.id, owner, progress(1, at(DAY), at(LEASE)))),
        );
        expect(checkpoints).toEqual(owners.map((owner) => owner === winner));
      }
    });

    it('lets concurrent creations for one video replace one another, leaving one upload', async () => {
      const video = await addVideo();
      const uploads = Array.from({ length: 10 }, () => newUpload(video.id));
      const results = await Promise.all(uploads.map((upload) => store.uploads.create(upload)));
      const replaced = results.flatMap((result) => (result === 'no-video' ? [] : result.replaced.map((r) => r.id)));
      expect(results.filter((result) => result === 'no-video')).toEqual([]);
      // Each replaced the one stored before it: every upload but the last is given back, once.
      expect(replaced).toHaveLength(9);
      expect(new Set(replaced).size).toBe(9);
      const remaining = await store.uploads.expired(at(100 * DAY), 100);
      expect(remaining).toHaveLength(1);
      expect([...replaced, remaining[0]?.id].sort()).toEqual(uploads.map((upload) => upload.id).sort());
    });

    it('leaves no upload of a video whose deletion races creations of its upload', async () => {
      const video = await addVideo();
      const creations = Array.from({ length: 10 }, () => store.uploads.create(newUpload(video.id)));
      const deletion = store.deletions.enqueue(video.id, at(1));
      const results = await Promise.all(creations);
      await deletion;
      expect(results.every((result) => result === 'no-video' || Array.isArray(result.replaced))).toBe(true);
      expect(ids(await store.deletions.claim('scheduler', at(1), LEASE, 10))).toEqual([video.id]);
      expect(await store.deletions.complete(video.id, 'scheduler')).toBe(true);
      expect(await store.uploads.expired(at(100 * DAY), 100)).toEqual([]);
    });
  });
}
