// Records for the store suite, made with Web Crypto so that the suite runs wherever vitest does.
import type {
  CommentRecord,
  PagePosition,
  ResumableUploadRecord,
  SessionRecord,
  UserRecord,
  VideoRecord,
} from '../store/types.js';

const randomUUID = () => crypto.randomUUID();
const randomBytes = (size: number) => crypto.getRandomValues(new Uint8Array(size));
const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A fixed instant to build test times from, so each test states its times relative to it. */
export const T0 = Date.parse('2024-03-10T12:00:00.000Z');

/** `T0 + offset` milliseconds. */
export const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

/**
 * A v4-shaped UUID whose string order follows `n`, for tests that need to know
 * which id wins a tie without sorting in the test.
 */
export const orderedId = (n: number): string => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

/** A session id hash as the store receives it: 64 hex characters (random ones: a hash looks no different). */
export const newIdHash = (): string => hex(randomBytes(32));

export const newUser = (userName: string, createdAt = at(0)): UserRecord => ({
  id: randomUUID(),
  userName,
  passwordHash: `scrypt$1024$8$1$${base64(randomBytes(16))}$${base64(randomBytes(32))}`,
  createdAt,
});

export const newSession = (userId: string, expiresAt: Date): SessionRecord => ({
  idHash: newIdHash(),
  userId,
  expiresAt,
});

export const newVideo = (authorId: string, createdAt: Date, overrides: Partial<VideoRecord> = {}): VideoRecord => ({
  id: randomUUID(),
  authorId,
  name: 'a video',
  status: 'pending',
  size: null,
  contentType: null,
  createdAt,
  ...overrides,
});

export const newComment = (
  videoId: string,
  authorId: string,
  createdAt: Date,
  overrides: Partial<CommentRecord> = {},
): CommentRecord => ({
  id: randomUUID(),
  videoId,
  authorId,
  content: 'a comment',
  createdAt,
  ...overrides,
});

/** A resumable upload id as vodkit makes them: 128 random bits, 32 lower-case hex digits. */
export const newUploadId = (): string => hex(randomBytes(16));

/** A new resumable upload of `videoId`: nothing stored yet, created at T0, expiring a day later. */
export const newUpload = (videoId: string, overrides: Partial<ResumableUploadRecord> = {}): ResumableUploadRecord => ({
  id: newUploadId(),
  videoId,
  length: 1_000_000,
  offset: 0,
  expiresAt: at(24 * 3_600_000),
  createdAt: at(0),
  ...overrides,
});

/**
 * Newest first, then id descending: written here independently of the store's
 * own ordering so that the suite checks the stores rather than repeats them.
 */
export const expectedOrder = <T extends PagePosition>(rows: T[]): T[] =>
  [...rows].sort((a, b) => {
    const byTime = b.createdAt.getTime() - a.createdAt.getTime();
    if (byTime !== 0) return byTime;
    if (a.id === b.id) return 0;
    return a.id > b.id ? -1 : 1;
  });

/** Reads every page through `list`, each starting after the last row of the one before. */
export async function readAllPages<T extends PagePosition>(
  list: (after: PagePosition | undefined) => Promise<T[]>,
  limit: number,
): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let after: PagePosition | undefined;
  for (let pages = 1; pages <= 1000; pages++) {
    const page = await list(after);
    if (page.length > limit) throw new Error(`a page of ${page.length} rows for limit ${limit}`);
    rows.push(...page);
    const last = page[page.length - 1];
    if (page.length < limit || !last) return { rows, pages };
    after = { createdAt: last.createdAt, id: last.id };
  }
  throw new Error('pagination did not end after 1000 pages');
}
