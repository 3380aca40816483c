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
  attempts: number;
  nextAttemptAt: Date;
}

export interface DeletionQueue {
  /** Queued deletions, the soonest due first. */
  list(limit: number): Promise<DeletionRecord[]>;
}
