import { DEAD_IDS_REPORTED, storedError } from './deletions.js';
import { takePage } from './ordering.js';
import { windowStart } from './rate-window.js';
import type {
  CommentRecord,
  DeletionRecord,
  ResumableUploadRecord,
  SessionRecord,
  Store,
  UserRecord,
  VideoRecord,
  VideoView,
} from './types.js';

/** A queue row with its lease, which only the queue's own methods see. */
interface DeletionRow extends DeletionRecord {
  leaseOwner: string | null;
  claimedUntil: Date | null;
}

/** Same order as the MySQL store: due time, then video id. */
const byDue = (a: DeletionRecord, b: DeletionRecord) =>
  a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0);

/** A resumable upload with its lease, which only the repository's own methods see. */
interface UploadRow extends ResumableUploadRecord {
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/** Same order as the SQL stores: expiry, then id. */
const byExpiry = (a: UploadRow, b: UploadRow) =>
  a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A lease still held at `now`: it ends at `leaseUntil`, and from then on anyone may take the upload. */
const leaseLive = (row: UploadRow, now: Date) => row.leaseUntil !== null && row.leaseUntil.getTime() > now.getTime();

/** The upload as handed out: its own Dates, without the lease. */
const uploadRecord = (row: ResumableUploadRecord): ResumableUploadRecord => ({
  id: row.id,
  videoId: row.videoId,
  length: row.length,
  offset: row.offset,
  expiresAt: new Date(row.expiresAt.getTime()),
  createdAt: new Date(row.createdAt.getTime()),
});

/**
 * A row as stored or handed out: Dates are mutable, so sharing one with the caller
 * would let a later `setTime` change the stored row, which MySQL never does.
 */
const copy = <T extends object>(row: T): T => {
  const clone = { ...row } as Record<string, unknown>;
  for (const key in clone) {
    const value = clone[key];
    if (value instanceof Date) clone[key] = new Date(value.getTime());
  }
  return clone as T;
};

/**
 * The in-process store (`--database-url memory:`): everything in this process's memory, gone
 * when it exits. For tests and throwaway runs; nothing else can reach it.
 * Each method runs without awaiting in between, so each is atomic as the MySQL
 * store's transactions are.
 */
export function memoryStore(): Store {
  const users = new Map<string, UserRecord>();
  const userIdsByName = new Map<string, string>();
  const sessions = new Map<string, SessionRecord>();
  const videos = new Map<string, VideoRecord>();
  const comments = new Map<string, CommentRecord>();
  const deletions = new Map<string, DeletionRow>();
  const uploads = new Map<string, UploadRow>();
  /** Rate counters: key → the window they count in and the count. */
  const counters = new Map<string, { start: number; end: number; hits: number }>();
  let closed = false;
  /** Names compare without case for uniqueness only; lookups stay exact. */
  const nameKey = (userName: string) => userName.toLowerCase();
  const takenNames = new Set<string>();

  const open = () => {
    if (closed) throw new Error('The memory store is closed.');
  };

  /** Marks the video `deleting` if it is there and queues its id once; the one path behind every deletion. */
  const queueDeletion = (videoId: string, now: Date) => {
    const video = videos.get(videoId);
    if (video) video.status = 'deleting';
    if (!deletions.has(videoId)) {
      deletions.set(videoId, {
        videoId,
        attempts: 0,
        nextAttemptAt: new Date(now.getTime()),
        dead: false,
        lastError: null,
        leaseOwner: null,
        claimedUntil: null,
      });
    }
  };

  /** Removes every upload of the video (at most one); the ones removed. */
  const removeUploads = (videoId: string) => {
    const removed: UploadRow[] = [];
    for (const [id, row] of uploads) {
      if (row.videoId !== videoId) continue;
      uploads.delete(id);
      removed.push(row);
    }
    return removed;
  };

  const leasedBy = (videoId: string, owner: string) => {
    const row = deletions.get(videoId);
    return row && row.leaseOwner === owner ? row : undefined;
  };

  // Field by field: one object shape for every view, on the path of every video read.
  const view = (video: VideoRecord): VideoView => ({
    id: video.id,
    authorId: video.authorId,
    name: video.name,
    status: video.status,
    size: video.size,
    contentType: video.contentType,
    createdAt: new Date(video.createdAt.getTime()),
    authorName: users.get(video.authorId)?.userName ?? '',
  });

  const visible = (id: string) => {
    const video = videos.get(id);
    return video && video.status !== 'deleting' ? video : undefined;
  };

  return {
    kind: 'memory',
    users: {
      async create(user, session) {
        open();
        if (takenNames.has(nameKey(user.userName))) return 'exists';
        users.set(user.id, copy(user));
        userIdsByName.set(user.userName, user.id);
        takenNames.add(nameKey(user.userName));
        sessions.set(session.idHash, copy(session));
        return 'created';
      },
      async findByName(userName) {
        open();
        const id = userIdsByName.get(userName);
        const user = id === undefined ? undefined : users.get(id);
        return user && copy(user);
      },
      async delete(userId, now) {
        open();
        const user = users.get(userId);
        if (!user) return;
        for (const [hash, session] of sessions) if (session.userId === userId) sessions.delete(hash);
        for (const [id, comment] of comments) if (comment.authorId === userId) comments.delete(id);
        for (const video of videos.values())
          if (video.authorId === userId && video.status !== 'deleting') queueDeletion(video.id, now);
        users.delete(userId);
        userIdsByName.delete(user.userName);
        takenNames.delete(nameKey(user.userName));
      },
    },
    sessions: {
      async create(session, now, maxPerUser) {
        open();
        if (!users.has(session.userId)) return 'no-user';
        const live: [string, SessionRecord][] = [];
        for (const [hash, other] of sessions) {
          if (other.userId !== session.userId) continue;
          if (other.expiresAt <= now) sessions.delete(hash);
          else live.push([hash, other]);
        }
        // The new session counts too: the ones expiring soonest make room for it.
        live.sort(([, a], [, b]) => a.expiresAt.getTime() - b.expiresAt.getTime());
        for (const [hash] of live.slice(0, Math.max(0, live.length + 1 - maxPerUser))) sessions.delete(hash);
        sessions.set(session.idHash, copy(session));
        return 'created';
      },
      async findActive(idHash, now) {
        open();
        const session = sessions.get(idHash);
        const user = session && users.get(session.userId);
        if (!session || !user || session.expiresAt <= now) return undefined;
        return {
          idHash: session.idHash,
          userId: session.userId,
          expiresAt: new Date(session.expiresAt.getTime()),
          userName: user.userName,
        };
      },
      async extend(idHash, expiresAt) {
        open();
        const session = sessions.get(idHash);
        if (session) session.expiresAt = new Date(expiresAt.getTime());
      },
      async delete(idHash) {
        open();
        sessions.delete(idHash);
      },
      async sweep(now) {
        open();
        for (const [hash, session] of sessions) if (session.expiresAt <= now) sessions.delete(hash);
      },
    },
    videos: {
      async create(video) {
        open();
        if (!users.has(video.authorId)) return 'no-user';
        videos.set(video.id, copy(video));
        return 'created';
      },
      async find(id) {
        open();
        const video = visible(id);
        return video && view(video);
      },
      async listByAuthor(authorId, page) {
        open();
        const own = [...videos.values()].filter((v) => v.authorId === authorId && v.status !== 'deleting');
        return takePage(own, page).map(view);
      },
      async markReady(id, file) {
        open();
        const video = videos.get(id);
        if (!video || video.status === 'deleting') return false;
        video.size = file.size;
        video.contentType = file.contentType;
        video.status = 'ready';
        return true;
      },
      async markDeleted(id, now) {
        open();
        const video = visible(id);
        if (!video) return false;
        queueDeletion(video.id, now);
        return true;
      },
    },
    comments: {
      async create(comment) {
        open();
        if (!users.has(comment.authorId)) return 'no-user';
        if (!visible(comment.videoId)) return 'no-video';
        comments.set(comment.id, copy(comment));
        return 'created';
      },
      async listByVideo(videoId, page) {
        open();
        const rows = [...comments.values()].filter((c) => c.videoId === videoId);
        return takePage(rows, page).map((c) => ({
          id: c.id,
          videoId: c.videoId,
          authorId: c.authorId,
          content: c.content,
          createdAt: new Date(c.createdAt.getTime()),
          authorName: users.get(c.authorId)?.userName ?? '',
        }));
      },
    },
    uploads: {
      async create(upload) {
        open();
        if (videos.get(upload.videoId)?.status !== 'pending') return 'no-video';
        // As the primary key of the SQL stores refuses it (128 random bits never collide).
        const taken = uploads.get(upload.id);
        if (taken && taken.videoId !== upload.videoId)
          throw new Error('A resumable upload of another video has this id.');
        const replaced = removeUploads(upload.videoId).map(uploadRecord);
        uploads.set(upload.id, { ...uploadRecord(upload), leaseOwner: null, leaseUntil: null });
        return { replaced };
      },
      async find(id, now) {
        open();
        const row = uploads.get(id);
        return row && row.expiresAt > now ? uploadRecord(row) : undefined;
      },
      async acquire(id, owner, now, leaseUntil) {
        open();
        const row = uploads.get(id);
        if (!row || row.expiresAt <= now) return undefined;
        if (row.leaseOwner !== owner && leaseLive(row, now)) return 'busy';
        row.leaseOwner = owner;
        row.leaseUntil = new Date(leaseUntil.getTime());
        return uploadRecord(row);
      },
      async checkpoint(id, owner, progress) {
        open();
        const row = uploads.get(id);
        if (!row || row.leaseOwner !== owner) return false;
        row.offset = progress.offset;
        row.expiresAt = new Date(progress.expiresAt.getTime());
        row.leaseUntil = progress.leaseUntil && new Date(progress.leaseUntil.getTime());
        if (row.leaseUntil === null) row.leaseOwner = null;
        return true;
      },
      async delete(id, owner) {
        open();
        const row = uploads.get(id);
        if (!row || (owner !== undefined && row.leaseOwner !== owner)) return false;
        return uploads.delete(id);
      },
      async expired(now, limit) {
        open();
        return [...uploads.values()]
          .filter((row) => row.expiresAt <= now && !leaseLive(row, now))
          .sort(byExpiry)
          .slice(0, Math.max(0, Math.floor(limit)))
          .map(uploadRecord);
      },
      async deleteExpired(id, now) {
        open();
        const row = uploads.get(id);
        if (!row || row.expiresAt > now || leaseLive(row, now)) return false;
        return uploads.delete(id);
      },
    },
    deletions: {
      async list(limit) {
        open();
        return [...deletions.values()]
          .sort(byDue)
          .slice(0, limit)
          .map(({ videoId, attempts, nextAttemptAt, dead, lastError }) => ({
            videoId,
            attempts,
            nextAttemptAt: new Date(nextAttemptAt.getTime()),
            dead,
            lastError,
          }));
      },
      async enqueue(videoId, now) {
        open();
        queueDeletion(videoId, now);
        const row = deletions.get(videoId);
        // Asked again by an operator: a deletion given up on gets a fresh start.
        if (row?.dead) Object.assign(row, { dead: false, attempts: 0, nextAttemptAt: new Date(now), lastError: null });
      },
      async claim(owner, now, leaseMs, limit) {
        open();
        const due = [...deletions.values()]
          .filter(
            (row) =>
              !row.dead &&
              row.nextAttemptAt <= now &&
              (row.claimedUntil === null || row.claimedUntil.getTime() <= now.getTime()),
          )
          .sort(byDue)
          .slice(0, Math.max(0, limit));
        const until = new Date(now.getTime() + leaseMs);
        for (const row of due) {
          row.leaseOwner = owner;
          row.claimedUntil = new Date(until.getTime());
        }
        return due.map((row) => ({ videoId: row.videoId, attempts: row.attempts }));
      },
      async complete(videoId, owner) {
        open();
        if (!leasedBy(videoId, owner)) return false;
        for (const [id, comment] of comments) if (comment.videoId === videoId) comments.delete(id);
        removeUploads(videoId);
        videos.delete(videoId);
        deletions.delete(videoId);
        return true;
      },
      async fail(videoId, owner, failure) {
        open();
        const row = leasedBy(videoId, owner);
        if (!row) return;
        row.attempts += 1;
        row.lastError = storedError(failure.error);
        row.nextAttemptAt = new Date(failure.nextAttemptAt.getTime());
        row.dead = failure.dead;
        row.leaseOwner = null;
        row.claimedUntil = null;
      },
      async release(owner) {
        open();
        for (const row of deletions.values()) {
          if (row.leaseOwner !== owner) continue;
          row.leaseOwner = null;
          row.claimedUntil = null;
        }
      },
      async counts() {
        open();
        const rows = [...deletions.values()];
        const dead = rows.filter((row) => row.dead).sort(byDue);
        return {
          queued: rows.length - dead.length,
          dead: dead.length,
          deadIds: dead.slice(0, DEAD_IDS_REPORTED).map((row) => row.videoId),
        };
      },
    },
    limits: {
      async hit(key, now, windowMs, delta = 1) {
        open();
        const start = windowStart(now, windowMs).getTime();
        const counter = counters.get(key);
        // Taking back only ever touches the window it was counted in: a newer one stays as it is.
        if (delta < 0 && counter?.start !== start) return 0;
        const hits = Math.max(0, (counter?.start === start ? counter.hits : 0) + delta);
        counters.set(key, { start, end: start + windowMs, hits });
        return hits;
      },
      async count(key, now, windowMs) {
        open();
        const counter = counters.get(key);
        return counter?.start === windowStart(now, windowMs).getTime() ? counter.hits : 0;
      },
      async reset(key) {
        open();
        counters.delete(key);
      },
      async sweep(now) {
        open();
        for (const [key, counter] of counters) if (counter.end <= now.getTime()) counters.delete(key);
      },
    },
    async ping() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}
