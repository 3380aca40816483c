import type { RowDataPacket } from 'mysql2/promise';
import type { ResumableUploadRecord, ResumableUploadRepository } from '../../store/types.js';
import type { Database } from './database.js';

const COLUMNS = 'id, video_id, length, upload_offset, expires_at, created_at';
const INSERT = `INSERT INTO resumable_uploads (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`;
const FIND = `SELECT ${COLUMNS} FROM resumable_uploads WHERE id = ? AND expires_at > ?`;
/** The lease is taken when the upload is live and nobody else's lease is (a lease ends at its time). */
const LEASE = `UPDATE resumable_uploads SET lease_owner = ?, lease_until = ?
  WHERE id = ? AND expires_at > ? AND (lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)`;
const LEASED = `SELECT ${COLUMNS}, lease_owner FROM resumable_uploads WHERE id = ?`;
const CHECKPOINT = `UPDATE resumable_uploads SET upload_offset = ?, expires_at = ?, lease_owner = ?, lease_until = ?
  WHERE id = ? AND lease_owner = ?`;
/** Expired, with no lease or one that has ended; served by ix_resumable_uploads_expiry. */
const EXPIRED = `SELECT ${COLUMNS} FROM resumable_uploads
  WHERE expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
  ORDER BY expires_at, id LIMIT `;
const DELETE_EXPIRED = `DELETE FROM resumable_uploads
  WHERE id = ? AND expires_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`;

const toUpload = (row: RowDataPacket): ResumableUploadRecord => ({
  id: row.id,
  videoId: row.video_id,
  // BIGINT: a number (mysql2 gives a string only past 2^53, which no size reaches).
  length: Number(row.length),
  offset: Number(row.upload_offset),
  expiresAt: row.expires_at,
  createdAt: row.created_at,
});

/**
 * Resumable uploads on MySQL. mysql2 connects with CLIENT_FOUND_ROWS, so an UPDATE's
 * `affectedRows` counts the rows it matched, changed or not: a checkpoint that repeats the last
 * one still says true.
 */
export function mysqlUploads(db: Database): ResumableUploadRepository {
  return {
    create(upload) {
      // The video row is locked first (FOR UPDATE), as deletions.complete and users.delete take it:
      // two creations for one video run one after the other, and a deletion of the video either
      // waits for this one (and takes the new upload with it) or runs first (and this finds no video).
      // READ COMMITTED: no gap locks where the video or its upload is missing.
      return db.transaction(async (tx) => {
        const [video] = await tx.rows('SELECT status FROM videos WHERE id = ? FOR UPDATE', [upload.videoId]);
        if (video?.status !== 'pending') return 'no-video';
        // At most one row (video_id is unique); its bytes are the caller's to remove.
        const replaced = (
          await tx.rows(`SELECT ${COLUMNS} FROM resumable_uploads WHERE video_id = ? FOR UPDATE`, [upload.videoId])
        ).map(toUpload);
        if (replaced.length > 0) await tx.write('DELETE FROM resumable_uploads WHERE video_id = ?', [upload.videoId]);
        await tx.write(INSERT, [
          upload.id,
          upload.videoId,
          upload.length,
          upload.offset,
          upload.expiresAt,
          upload.createdAt,
        ]);
        return { replaced };
      }, 'READ COMMITTED');
    },
    async find(id, now) {
      const [row] = await db.rows(FIND, [id, now]);
      return row && toUpload(row);
    },
    async acquire(id, owner, now, leaseUntil) {
      // One conditional UPDATE decides: InnoDB evaluates its WHERE on the latest row under the row's
      // lock, so of owners acquiring at once the first one's lease is what the others find. The
      // read after it says whose lease it is; only this owner could have set it to this owner.
      await db.write(LEASE, [owner, leaseUntil, id, now, owner, now]);
      const [row] = await db.rows(LEASED, [id]);
      if (!row || (row.expires_at as Date).getTime() <= now.getTime()) return undefined;
      return row.lease_owner === owner ? toUpload(row) : 'busy';
    },
    async checkpoint(id, owner, progress) {
      const { leaseUntil } = progress;
      const updated = await db.write(CHECKPOINT, [
        progress.offset,
        progress.expiresAt,
        leaseUntil === null ? null : owner,
        leaseUntil,
        id,
        owner,
      ]);
      return updated.affectedRows === 1;
    },
    async delete(id, owner) {
      const deleted =
        owner === undefined
          ? await db.write('DELETE FROM resumable_uploads WHERE id = ?', [id])
          : await db.write('DELETE FROM resumable_uploads WHERE id = ? AND lease_owner = ?', [id, owner]);
      return deleted.affectedRows === 1;
    },
    async expired(now, limit) {
      const take = Math.floor(limit);
      if (!(take > 0)) return [];
      return (await db.rows(`${EXPIRED}${take}`, [now, now])).map(toUpload);
    },
    async deleteExpired(id, now) {
      return (await db.write(DELETE_EXPIRED, [id, now, now])).affectedRows === 1;
    },
  };
}
