/** `pending` until its file is uploaded, `ready` then, `deleting` once deleted (until the scheduler removes it). */
export type VideoStatus = 'pending' | 'ready' | 'deleting';

/** A user as stored: the password only as its hash. */
export interface UserRecord {
  id: string;
  userName: string;
  passwordHash: string;
  createdAt: Date;
}

/** A login session as stored, under the hash of its token. */
export interface SessionRecord {
  /** SHA-256 of the session token, hex. The token itself is never stored. */
  idHash: string;
  userId: string;
  expiresAt: Date;
}

/** A session joined with its user, as authentication needs it. */
export interface ActiveSession extends SessionRecord {
  userName: string;
}

/** A video as stored; `size` and `contentType` are set when its file is. */
export interface VideoRecord {
  id: string;
  authorId: string;
  name: string;
  status: VideoStatus;
  size: number | null;
  contentType: string | null;
  createdAt: Date;
}

/** A video joined with its author's name, as every read returns it. */
export interface VideoView extends VideoRecord {
  authorName: string;
}

/** A comment as stored. */
export interface CommentRecord {
  id: string;
  videoId: string;
  authorId: string;
  content: string;
  createdAt: Date;
}

/** A comment joined with its author's name, as every read returns it. */
export interface CommentView extends CommentRecord {
  authorName: string;
}

/** Position after which a page starts: the last row of the previous page. */
export interface PagePosition {
  createdAt: Date;
  id: string;
}

/** One page of a list, newest first: at most `limit` rows, after `after` when given. */
export interface PageRequest {
  limit: number;
  after?: PagePosition;
}

/** A write that needs its user (and video) to still be there: what was missing when they were not. */
export type DependentWrite = 'created' | 'no-user' | 'no-video';

/** The users of a store. */
export interface UserRepository {
  /**
   * Creates the user and its first session together; `exists` when the name is taken,
   * compared without case: `alice`, `Alice` and `ALICE` never coexist.
   */
  create(user: UserRecord, session: SessionRecord): Promise<'created' | 'exists'>;
  /** The user of exactly this name (case-sensitive). */
  findByName(userName: string): Promise<UserRecord | undefined>;
  /**
   * Removes the user with its sessions and comments, and marks every video of theirs
   * `deleting` and queues it for the scheduler, all or nothing.
   */
  delete(userId: string, now: Date): Promise<void>;
}

/** The login sessions of a store. */
export interface SessionRepository {
  /**
   * Stores a session if its user still exists (`no-user` otherwise, nothing stored). The
   * user's expired sessions are swept at the same time, and beyond `maxPerUser` live
   * sessions the ones that expire soonest (the least recently used) are revoked.
   */
  create(session: SessionRecord, now: Date, maxPerUser: number): Promise<'created' | 'no-user'>;
  /** The session if it exists and has not expired at `now`. */
  findActive(idHash: string, now: Date): Promise<ActiveSession | undefined>;
  extend(idHash: string, expiresAt: Date): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Removes every session expired at `now`, of every user. */
  sweep(now: Date): Promise<void>;
}

/** The videos of a store. */
export interface VideoRepository {
  /** Stores the video if its author still exists; `no-user` otherwise (a user deleted meanwhile). */
  create(video: VideoRecord): Promise<'created' | 'no-user'>;
  /** A video that is not being deleted. */
  find(id: string): Promise<VideoView | undefined>;
  /** The author's videos that are not being deleted, newest first. */
  listByAuthor(authorId: string, page: PageRequest): Promise<VideoView[]>;
  /**
   * Records a finished upload: the video becomes `ready` with the file's size and type. A
   * `ready` video is accepted too (its file was lost to a failure after an earlier call whose
   * answer never came back); false when the video is gone or being deleted.
   */
  markReady(id: string, file: { size: number; contentType: string }): Promise<boolean>;
  /** Marks the video `deleting` and queues it for the scheduler in one transaction; false if it was not there. */
  markDeleted(id: string, now: Date): Promise<boolean>;
}

/** The comments of a store. */
export interface CommentRepository {
  /** Stores the comment if its author and its (not deleted) video still exist; what was missing otherwise. */
  create(comment: CommentRecord): Promise<DependentWrite>;
  /** Comments of a video, newest first. */
  listByVideo(videoId: string, page: PageRequest): Promise<CommentView[]>;
}

/**
 * A resumable (tus) upload as stored. Its bytes are in the video storage, under its video and id;
 * the store holds how many of them are durable and who may write more.
 */
export interface ResumableUploadRecord {
  /** Unguessable: 32 lower-case hex digits (128 random bits). */
  id: string;
  videoId: string;
  /** The whole file's size in bytes, from `Upload-Length`. */
  length: number;
  /** Bytes stored durably so far; the next write starts here. */
  offset: number;
  /** Unfinished after this, the upload is gone: its bytes and row are removed by the scheduler. */
  expiresAt: Date;
  createdAt: Date;
}

/**
 * The unfinished resumable uploads. A video has at most one. Writes to an upload go under a lease,
 * so two requests (on one instance or on several sharing the store) never append at once; a lease
 * whose holder died ends at its time and the upload can be taken again.
 */
export interface ResumableUploadRepository {
  /**
   * Stores a new upload of a `pending` video, replacing the video's unfinished one (leased or not)
   * in the same transaction; the replaced ones come back, so their bytes can be removed. `no-video`
   * when the video is gone, being deleted or not `pending`; nothing is changed then.
   */
  create(upload: ResumableUploadRecord): Promise<{ replaced: ResumableUploadRecord[] } | 'no-video'>;
  /** The upload, if it exists and has not expired at `now`. */
  find(id: string, now: Date): Promise<ResumableUploadRecord | undefined>;
  /**
   * Leases the upload to `owner` until `leaseUntil`, unless another owner holds a lease still live
   * at `now` (`busy`, nothing changed). Undefined when the upload is gone or expired at `now`.
   */
  acquire(id: string, owner: string, now: Date, leaseUntil: Date): Promise<ResumableUploadRecord | 'busy' | undefined>;
  /**
   * Records progress while `owner` holds the lease (even past its time, as long as nobody took it):
   * the offset, the expiry, and the lease extended to `leaseUntil` or given back with `null`. False,
   * and nothing changed, when the lease is no longer `owner`'s or the upload is gone.
   */
  checkpoint(
    id: string,
    owner: string,
    progress: { offset: number; expiresAt: Date; leaseUntil: Date | null },
  ): Promise<boolean>;
  /**
   * Removes the upload; with `owner`, only while that owner holds its lease. False when nothing was
   * removed. Removing a video (the scheduler's `complete`) removes its uploads with it.
   */
  delete(id: string, owner?: string): Promise<boolean>;
  /** Up to `limit` uploads expired at `now` whose lease (if any) has ended, the earliest expired first. */
  expired(now: Date, limit: number): Promise<ResumableUploadRecord[]>;
  /** Removes the upload only if it is still expired at `now` with no live lease; false otherwise. */
  deleteExpired(id: string, now: Date): Promise<boolean>;
}

/** Everything vodkit keeps. One implementation per backend; all of them pass the same suite. */
export interface Store {
  readonly kind: string;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly videos: VideoRepository;
  readonly comments: CommentRepository;
  readonly uploads: ResumableUploadRepository;
  readonly deletions: DeletionQueue;
  readonly limits: RateLimits;
  /** Rejects when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Counters in fixed windows, kept in the store so every instance on it shares them (failed
 * password attempts, comments posted). A window starts at a multiple of its length.
 */
export interface RateLimits {
  /**
   * Adds `delta` (default 1; -1 takes back an event counted ahead of its outcome) to `key`'s
   * count in the window of `windowMs` that holds `now`, never below 0; the count after it.
   */
  hit(key: string, now: Date, windowMs: number, delta?: number): Promise<number>;
  /** Events counted for `key` in the window that holds `now`. */
  count(key: string, now: Date, windowMs: number): Promise<number>;
  /** Forgets `key`'s count (a successful login clears its failures). */
  reset(key: string): Promise<void>;
  /** Removes counters of windows that ended before `now`. */
  sweep(now: Date): Promise<void>;
}

/** A row of the scheduler's queue (`video_del_rec`). */
export interface DeletionRecord {
  videoId: string;
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptAt: Date;
  /** Gave up after the maximum attempts: kept for the report, never claimed again. */
  dead: boolean;
  lastError: string | null;
}

/** A queued deletion a scheduler claimed under a lease, with the attempts made before. */
export interface DeletionClaim {
  videoId: string;
  attempts: number;
}

/** The scheduler's queue of deletions (`video_del_rec`): files to remove, retried, leased to one instance at a time. */
export interface DeletionQueue {
  /** Queued deletions, the soonest due first (dead ones included). */
  list(limit: number): Promise<DeletionRecord[]>;
  /** Marks the video `deleting` (if it exists and is not already) and queues it, in one transaction; idempotent; queues the id even when no video row exists (its file may still be on disk); a dead row starts again (attempts 0, due now). */
  enqueue(videoId: string, now: Date): Promise<void>;
  /** Leases up to `limit` due rows to `owner` until now+leaseMs: next_attempt_at <= now, not dead, and no live lease (claimed_until null or <= now). On MySQL with SELECT … FOR UPDATE SKIP LOCKED inside a transaction, so several processes never get the same row at once. Ordered by next_attempt_at, video_id. */
  claim(owner: string, now: Date, leaseMs: number, limit: number): Promise<DeletionClaim[]>;
  /** The file is gone: removes the video's comments, the video row and the queue row in one transaction — only while `owner` holds the lease (false otherwise, nothing changed). */
  complete(videoId: string, owner: string): Promise<boolean>;
  /** A failed attempt: attempts+1, last_error, next_attempt_at, lease cleared; `dead: true` keeps the row but never claims it again. Only while `owner` holds the lease. */
  fail(videoId: string, owner: string, failure: { error: string; nextAttemptAt: Date; dead: boolean }): Promise<void>;
  /** Gives back every lease of `owner` (graceful stop) so others can claim at once. */
  release(owner: string): Promise<void>;
  /** For /healthz: rows waiting (not dead) and dead rows, with the dead ones' ids (up to 20). */
  counts(): Promise<{ queued: number; dead: number; deadIds: string[] }>;
}
