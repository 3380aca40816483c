export type VideoStatus = 'pending' | 'ready' | 'deleting';

export interface UserRecord {
  id: string;
  userName: string;
  passwordHash: string;
  createdAt: Date;
}

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

export interface CommentRecord {
  id: string;
  videoId: string;
  authorId: string;
  content: string;
  createdAt: Date;
}

export interface CommentView extends CommentRecord {
  authorName: string;
}

/** Position after which a page starts: the last row of the previous page. */
export interface PagePosition {
  createdAt: Date;
  id: string;
}

export interface PageRequest {
  limit: number;
  after?: PagePosition;
}

export interface UserRepository {
  /** Creates the user and its first session together; `exists` when the name is taken. */
  create(user: UserRecord, session: SessionRecord): Promise<'created' | 'exists'>;
  findByName(userName: string): Promise<UserRecord | undefined>;
  /**
   * Removes the user with its sessions and comments, and marks every video of theirs
   * `deleting` and queues it for the scheduler, all or nothing.
   */
  delete(userId: string, now: Date): Promise<void>;
}

export interface SessionRepository {
  /** Stores a session; the user's expired sessions are swept at the same time. */
  create(session: SessionRecord, now: Date): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  findActive(idHash: string, now: Date): Promise<ActiveSession | undefined>;
  extend(idHash: string, expiresAt: Date): Promise<void>;
  delete(idHash: string): Promise<void>;
}

export interface VideoRepository {
  create(video: VideoRecord): Promise<void>;
  /** A video that is not being deleted. */
  find(id: string): Promise<VideoView | undefined>;
  /** The author's videos that are not being deleted, newest first. */
  listByAuthor(authorId: string, page: PageRequest): Promise<VideoView[]>;
  /** Records a finished upload: `pending` becomes `ready`; false when the video is not pending any more. */
  markReady(id: string, file: { size: number; contentType: string }): Promise<boolean>;
  /** Marks the video `deleting` and queues it for the scheduler in one transaction; false if it was not there. */
  markDeleted(id: string, now: Date): Promise<boolean>;
}

export interface CommentRepository {
  create(comment: CommentRecord): Promise<void>;
  /** Comments of a video, newest first. */
  listByVideo(videoId: string, page: PageRequest): Promise<CommentView[]>;
}

/** Everything vodkit keeps. One implementation per backend; all of them pass the same suite. */
export interface Store {
  readonly kind: string;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly videos: VideoRepository;
  readonly comments: CommentRepository;
  readonly deletions: DeletionQueue;
  /** Rejects when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
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

export interface DeletionClaim {
  videoId: string;
  attempts: number;
}

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
