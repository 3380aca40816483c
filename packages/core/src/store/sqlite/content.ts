import type { CommentRepository, VideoRepository } from '../types.js';
import type { Database } from './database.js';
import { queueVideo } from './deletions.js';
import { ms, pageClause, toComment, toVideo, VIDEO_COLUMNS } from './rows.js';

// Written once: statements are cached by their text, which a template would build on each call.
const FIND_VIDEO = `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
  WHERE v.id = ? AND v.status <> 'deleting'`;

export function sqliteVideos(db: Database): VideoRepository {
  return {
    create: (video) =>
      db.call(() => {
        // One statement, so inserted only while its author exists: a user deletion runs wholly
        // before it (nothing inserted) or after it (and queues this video).
        const inserted = db.run(
          `INSERT INTO videos (id, author_id, name, status, size, content_type, created_at)
           SELECT ?, id, ?, ?, ?, ?, ? FROM users WHERE id = ?`,
          video.id,
          video.name,
          video.status,
          video.size,
          video.contentType,
          ms(video.createdAt),
          video.authorId,
        );
        return inserted === 1 ? 'created' : 'no-user';
      }),
    find: (id) =>
      db.call(() => {
        const row = db.get(FIND_VIDEO, id);
        return row && toVideo(row);
      }),
    listByAuthor: (authorId, page) =>
      db.call(() => {
        const [clause, params] = pageClause(page, 'v');
        return db
          .all(
            `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
             WHERE v.author_id = ? AND v.status <> 'deleting'${clause}
             ORDER BY v.created_at DESC, v.id DESC LIMIT ?`,
            authorId,
            ...params,
            Math.max(0, Math.floor(page.limit)),
          )
          .map(toVideo);
      }),
    // SQLite counts a row matched as changed, new values or not: ready already is true as well.
    markReady: (id, file) =>
      db.call(
        () =>
          db.run(
            `UPDATE videos SET status = 'ready', size = ?, content_type = ? WHERE id = ? AND status <> 'deleting'`,
            file.size,
            file.contentType,
            id,
          ) === 1,
      ),
    markDeleted: (id, now) => db.call(() => db.transaction(() => queueVideo(db, id, now, false))),
  };
}

export function sqliteComments(db: Database): CommentRepository {
  return {
    create: (comment) =>
      db.call(() => {
        // Inserted only while its author and its (not deleted) video exist: never a foreign-key
        // failure, never a comment of a deleted user.
        const inserted = db.run(
          `INSERT INTO comments (id, video_id, author_id, content, created_at)
           SELECT ?, v.id, u.id, ?, ? FROM users u JOIN videos v ON v.id = ? AND v.status <> 'deleting'
           WHERE u.id = ?`,
          comment.id,
          comment.content,
          ms(comment.createdAt),
          comment.videoId,
          comment.authorId,
        );
        if (inserted === 1) return 'created';
        return db.get('SELECT id FROM users WHERE id = ?', comment.authorId) ? 'no-video' : 'no-user';
      }),
    listByVideo: (videoId, page) =>
      db.call(() => {
        const [clause, params] = pageClause(page, 'c');
        return db
          .all(
            `SELECT c.id, c.video_id, c.author_id, u.user_name AS author_name, c.content, c.created_at
             FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.video_id = ?${clause}
             ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
            videoId,
            ...params,
            Math.max(0, Math.floor(page.limit)),
          )
          .map(toComment);
      }),
  };
}
