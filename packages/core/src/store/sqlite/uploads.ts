import type { ResumableUploadRecord, ResumableUploadRepository } from '../types.js';
import type { Database } from './database.js';
import type { SqliteRow } from './driver.js';
import { ms, text, toDate } from './rows.js';

// Written once: statements are cached by their text, which a template would build on each call.
const COLUMNS = 'id, video_id, length, upload_offset, expires_at, created_at';
const VIDEO_STATUS = 'SELECT status FROM videos WHERE id = ?';
const REMOVE_OF_VIDEO = `DELETE FROM resumable_uploads WHERE video_id = ? RETURNING ${COLUMNS}`;
const INSERT = `INSERT INTO resumable_uploads (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`;
const FIND = `SELECT ${COLUMNS} FROM resumable_uploads WHERE id = ? AND expires_at > ?`;
/** The lease is taken when the upload is live and nobody else's lease is (a lease ends at its time). */
const LEASE = `UPDATE resumable_uploads SET lease_owner = ?, lease_until = ?
  WHERE id = ? AND expires_at > ? AND (lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)
  RETURNING ${COLUMNS}`;
const IS_LIVE = 'SELECT id FROM resumable_uploads WHERE id = ? AND expires_at > ?';
const CHECKPOINT = `UPDATE resumable_uploads SET upload_offset = ?, expires_at = ?, lease_owner = ?, lease_until = ?
  WHERE id = ? AND lease_owner = ?`;
const DELETE = 'DELETE FROM resumable_uploads WHERE id = ?';
const DELETE_OWNED = 'DELETE FROM resumable_uploads WHERE id = ? AND lease_owner = ?';
/** Expired, with no lease or one that has ended; served by ix_resumable_uploads_expiry. */
const EXPIRED = `SELECT ${COLUMNS} FROM resumable_uploads
  WHERE expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
  ORDER BY expires_at, id LIMIT ?`;
const DELETE_EXPIRED = `DELETE FROM resumable_uploads
  WHERE id = ? AND expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`;

const toUpload = (row: SqliteRow): ResumableUploadRecord => ({
  id: text(row.id),
  videoId: text(row.video_id),
  length: Number(row.length),
  offset: Number(row.upload_offset),
  expiresAt: toDate(row.expires_at),
  createdAt: toDate(row.created_at),
});

/**
 * Resumable uploads on SQLite. The writes that decide on what they read (create, acquire) run under
 * the write lock (BEGIN IMMEDIATE), which one connection of one process holds at a time: two
 * requests never both lease an upload, nor both replace a video's upload.
 */
export function sqliteUploads(db: Database): ResumableUploadRepository {
  return {
    create: (upload) =>
      db.call(() =>
        db.transaction(() => {
          if (db.get(VIDEO_STATUS, upload.videoId)?.status !== 'pending') return 'no-video';
          // At most one row (video_id is unique); its bytes are the caller's to remove.
          const replaced = db.all(REMOVE_OF_VIDEO, upload.videoId).map(toUpload);
          db.run(
            INSERT,
            upload.id,
            upload.videoId,
            upload.length,
            upload.offset,
            ms(upload.expiresAt),
            ms(upload.createdAt),
          );
          return { replaced };
        }),
      ),
    find: (id, now) =>
      db.call(() => {
        const row = db.get(FIND, id, ms(now));
        return row && toUpload(row);
      }),
    acquire: (id, owner, now, leaseUntil) =>
      db.call(() =>
        db.transaction(() => {
          const [leased] = db.all(LEASE, owner, ms(leaseUntil), id, ms(now), owner, ms(now));
          if (leased) return toUpload(leased);
          // Not taken: another owner's live lease, or no live upload at all.
          return db.get(IS_LIVE, id, ms(now)) ? 'busy' : undefined;
        }),
      ),
    checkpoint: (id, owner, progress) =>
      db.call(() => {
        const { leaseUntil } = progress;
        return (
          db.run(
            CHECKPOINT,
            progress.offset,
            ms(progress.expiresAt),
            leaseUntil === null ? null : owner,
            leaseUntil === null ? null : ms(leaseUntil),
            id,
            owner,
          ) === 1
        );
      }),
    delete: (id, owner) =>
      db.call(() => (owner === undefined ? db.run(DELETE, id) : db.run(DELETE_OWNED, id, owner)) === 1),
    expired: (now, limit) =>
      db.call(() => db.all(EXPIRED, ms(now), ms(now), Math.max(0, Math.floor(limit))).map(toUpload)),
    deleteExpired: (id, now) => db.call(() => db.run(DELETE_EXPIRED, id, ms(now), ms(now)) === 1),
  };
}
