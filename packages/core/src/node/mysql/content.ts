import type { CommentRepository, VideoRepository } from '../../store/types.js';
import type { Database } from './database.js';
import { queueVideo } from './deletions.js';
import { pageClause, toComment, toVideo, VIDEO_COLUMNS } from './rows.js';

export function mysqlVideos(db: Database): VideoRepository {
  return {
    async create(video) {
      // Inserted only while its author exists, holding the user row shared so that a user
      // deletion waits for it (and then queues this video) or runs first (and nothing is inserted).
      const inserted = await db.write(
        `INSERT INTO videos (id, author_id, name, status, size, content_type, created_at)
         SELECT ?, id, ?, ?, ?, ?, ? FROM users WHERE id = ? LOCK IN SHARE MODE`,
        [video.id, video.name, video.status, video.size, video.contentType, video.createdAt, video.authorId],
      );
      return inserted.affectedRows === 1 ? 'created' : 'no-user';
    },
    async find(id) {
      const [row] = await db.rows(
        `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
         WHERE v.id = ? AND v.status <> 'deleting'`,
        [id],
      );
      return row && toVideo(row);
    },
    async listByAuthor(authorId, page) {
      const [clause, params] = pageClause(page, 'v');
      const found = await db.rows(
        `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
         WHERE v.author_id = ? AND v.status <> 'deleting'${clause}
         ORDER BY v.created_at DESC, v.id DESC LIMIT ${Number(page.limit)}`,
        [authorId, ...params],
      );
      return found.map(toVideo);
    },
    async markReady(id, file) {
      const updated = await db.write(
        `UPDATE videos SET status = 'ready', size = ?, content_type = ? WHERE id = ? AND status <> 'deleting'`,
        [file.size, file.contentType, id],
      );
      if (updated.affectedRows === 1) return true;
      // MySQL counts a row whose values did not change as unaffected: ready already, with these values.
      const [row] = await db.rows(`SELECT status FROM videos WHERE id = ?`, [id]);
      return row?.status === 'ready';
    },
    async markDeleted(id, now) {
      return db.transaction((tx) => queueVideo(tx, id, now, false));
    },
  };
}

export function mysqlComments(db: Database): CommentRepository {
  return {
    async create(comment) {
      // Inserted only while its author and its video exist (the rows held shared, as for
      // videos.create): never a foreign-key failure, never a comment of a deleted user.
      const inserted = await db.write(
        `INSERT INTO comments (id, video_id, author_id, content, created_at)
         SELECT ?, v.id, u.id, ?, ? FROM users u JOIN videos v ON v.id = ? AND v.status <> 'deleting'
         WHERE u.id = ? LOCK IN SHARE MODE`,
        [comment.id, comment.content, comment.createdAt, comment.videoId, comment.authorId],
      );
      if (inserted.affectedRows === 1) return 'created';
      const [user] = await db.rows('SELECT id FROM users WHERE id = ?', [comment.authorId]);
      return user ? 'no-video' : 'no-user';
    },
    async listByVideo(videoId, page) {
      const [clause, params] = pageClause(page, 'c');
      const found = await db.rows(
        `SELECT c.id, c.video_id, c.author_id, u.user_name AS author_name, c.content, c.created_at
         FROM comments c JOIN users u ON u.id = c.author_id
         WHERE c.video_id = ?${clause}
         ORDER BY c.created_at DESC, c.id DESC LIMIT ${Number(page.limit)}`,
        [videoId, ...params],
      );
      return found.map(toComment);
    },
  };
}
