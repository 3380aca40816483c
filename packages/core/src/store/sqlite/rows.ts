import type { CommentView, PageRequest, UserRecord, VideoStatus, VideoView } from '../types.js';
import type { SqliteRow, SqliteValue } from './driver.js';

/** A Date as stored: milliseconds since the epoch, exact and free of time zones. */
export const ms = (date: Date): number => date.getTime();

export const toDate = (value: SqliteValue | undefined): Date => new Date(Number(value));

export const text = (value: SqliteValue | undefined): string => String(value);

export const textOrNull = (value: SqliteValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

/** `created_at < after` in newest-first order, as SQL with its parameters. */
export const pageClause = (page: PageRequest, table: string): [string, SqliteValue[]] => {
  if (!page.after) return ['', []];
  const at = ms(page.after.createdAt);
  return [` AND (${table}.created_at < ? OR (${table}.created_at = ? AND ${table}.id < ?))`, [at, at, page.after.id]];
};

export const VIDEO_COLUMNS = `v.id, v.author_id, u.user_name AS author_name, v.name, v.status, v.size, v.content_type, v.created_at`;

export const toVideo = (row: SqliteRow): VideoView => ({
  id: text(row.id),
  authorId: text(row.author_id),
  authorName: text(row.author_name),
  name: text(row.name),
  status: text(row.status) as VideoStatus,
  size: row.size === null || row.size === undefined ? null : Number(row.size),
  contentType: textOrNull(row.content_type),
  createdAt: toDate(row.created_at),
});

export const toComment = (row: SqliteRow): CommentView => ({
  id: text(row.id),
  videoId: text(row.video_id),
  authorId: text(row.author_id),
  authorName: text(row.author_name),
  content: text(row.content),
  createdAt: toDate(row.created_at),
});

export const toUser = (row: SqliteRow): UserRecord => ({
  id: text(row.id),
  userName: text(row.user_name),
  passwordHash: text(row.password_hash),
  createdAt: toDate(row.created_at),
});
