import type { RowDataPacket } from 'mysql2/promise';
import type { CommentView, PageRequest, UserRecord, VideoStatus, VideoView } from '../../store/types.js';

export const ER_DUP_ENTRY = 1062;

export const isDuplicate = (error: unknown) => (error as { errno?: number }).errno === ER_DUP_ENTRY;

/** `created_at < after` in newest-first order, as SQL with its parameters. */
export const pageClause = (page: PageRequest, table: string): [string, unknown[]] =>
  page.after
    ? [
        ` AND (${table}.created_at < ? OR (${table}.created_at = ? AND ${table}.id < ?))`,
        [page.after.createdAt, page.after.createdAt, page.after.id],
      ]
    : ['', []];

export const VIDEO_COLUMNS = `v.id, v.author_id, u.user_name AS author_name, v.name, v.status, v.size, v.content_type, v.created_at`;

export const toVideo = (row: RowDataPacket): VideoView => ({
  id: row.id,
  authorId: row.author_id,
  authorName: row.author_name,
  name: row.name,
  status: row.status as VideoStatus,
  size: row.size === null ? null : Number(row.size),
  contentType: row.content_type,
  createdAt: row.created_at,
});

export const toComment = (row: RowDataPacket): CommentView => ({
  id: row.id,
  videoId: row.video_id,
  authorId: row.author_id,
  authorName: row.author_name,
  content: row.content,
  createdAt: row.created_at,
});

export const toUser = (row: RowDataPacket): UserRecord => ({
  id: row.id,
  userName: row.user_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});
