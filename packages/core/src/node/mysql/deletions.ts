import type { RowDataPacket } from 'mysql2/promise';
import { DEAD_IDS_REPORTED, storedError } from '../../store/deletions.js';
import type { DeletionQueue } from '../../store/types.js';
import { type Database, retryingDeadlocks, type Statements } from './database.js';

/**
 * Marks videos deleting and queues them, inside the caller's transaction; returns how many.
 * The rows are locked first (FOR UPDATE): with only the shared locks of INSERT … SELECT
 * before the UPDATE, two concurrent deletions of one video deadlocked instead of the
 * second one waiting and then finding the video already gone.
 */
export async function queueDeletions(tx: Statements, where: 'id' | 'author_id', param: string, now: Date) {
  const filter = `${where} = ? AND status <> 'deleting'`;
  await tx.rows(`SELECT id FROM videos WHERE ${filter} FOR UPDATE`, [param]);
  await tx.write(
    `INSERT IGNORE INTO video_del_rec (video_id, attempts, next_attempt_at) SELECT id, 0, ? FROM videos WHERE ${filter}`,
    [now, param],
  );
  return (await tx.write(`UPDATE videos SET status = 'deleting' WHERE ${filter}`, [param])).affectedRows;
}

/** The one path behind markDeleted and enqueue: marks the video (if there) and queues its id. */
export async function queueVideo(tx: Statements, videoId: string, now: Date, always: boolean) {
  const marked = (await queueDeletions(tx, 'id', videoId, now)) > 0;
  if (always && !marked) {
    // No video row left to mark (or already deleting): queue the id itself, once.
    await tx.write(
      'INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES (?, 0, ?) ON DUPLICATE KEY UPDATE video_id = video_id',
      [videoId, now],
    );
  }
  if (always) {
    // Asked again by an operator: a deletion given up on gets a fresh start.
    await tx.write(
      'UPDATE video_del_rec SET dead = 0, attempts = 0, next_attempt_at = ?, last_error = NULL WHERE video_id = ? AND dead = 1',
      [now, videoId],
    );
  }
  return marked;
}

/** Thrown inside complete()'s transaction to roll it back when the lease is no longer ours. */
const LEASE_LOST = Symbol('lease lost');

/** The scheduler's queue (`video_del_rec`) on MySQL: leases taken with SKIP LOCKED, so instances never share a row. */
export function mysqlDeletions(db: Database): DeletionQueue {
  const toRecord = (row: RowDataPacket) => ({
    videoId: row.video_id,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    dead: Number(row.dead) !== 0,
    lastError: row.last_error,
  });

  return {
    async list(limit) {
      const found = await db.rows(
        `SELECT video_id, attempts, next_attempt_at, dead, last_error FROM video_del_rec
         ORDER BY next_attempt_at, video_id LIMIT ${Number(limit)}`,
      );
      return found.map(toRecord);
    },
    async enqueue(videoId, now) {
      await db.transaction((tx) => queueVideo(tx, videoId, now, true));
    },
    async claim(owner, now, leaseMs, limit) {
      const take = Math.floor(limit);
      if (!(take > 0)) return [];
      // READ COMMITTED locks only the rows returned, without the gap locks of REPEATABLE READ
      // that would hold up enqueues.
      return db.transaction(async (tx) => {
        // Served by ix_video_del_rec_claim (dead, next_attempt_at); rows another
        // instance is claiming right now are skipped rather than waited for.
        const due = await tx.rows(
          `SELECT video_id, attempts FROM video_del_rec
           WHERE dead = 0 AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
           ORDER BY next_attempt_at, video_id LIMIT ${take}
           FOR UPDATE SKIP LOCKED`,
          [now, now],
        );
        if (due.length === 0) return [];
        const ids = due.map((row) => String(row.video_id));
        await tx.query('UPDATE video_del_rec SET lease_owner = ?, claimed_until = ? WHERE video_id IN (?)', [
          owner,
          new Date(now.getTime() + leaseMs),
          ids,
        ]);
        return due.map((row) => ({ videoId: String(row.video_id), attempts: Number(row.attempts) }));
      }, 'READ COMMITTED');
    },
    async complete(videoId, owner) {
      try {
        return await db.transaction(async (tx) => {
          // The video row first, in the same order as enqueue and users.delete, so they cannot
          // deadlock; its comments go with it (ON DELETE CASCADE). Two statements, not four:
          // this runs once per deletion and bounds how fast a backlog drains.
          await tx.write('DELETE FROM videos WHERE id = ?', [videoId]);
          const gone = await tx.write('DELETE FROM video_del_rec WHERE video_id = ? AND lease_owner = ?', [
            videoId,
            owner,
          ]);
          // Our lease was taken over: undo the video delete, the new owner finishes the row.
          if (gone.affectedRows === 0) throw LEASE_LOST;
          return true;
        });
      } catch (error) {
        if (error === LEASE_LOST) return false;
        throw error;
      }
    },
    async fail(videoId, owner, failure) {
      await retryingDeadlocks(() =>
        db.write(
          `UPDATE video_del_rec
           SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, dead = ?, lease_owner = NULL, claimed_until = NULL
           WHERE video_id = ? AND lease_owner = ?`,
          [storedError(failure.error), failure.nextAttemptAt, failure.dead ? 1 : 0, videoId, owner],
        ),
      );
    },
    async release(owner) {
      await retryingDeadlocks(() =>
        db.write('UPDATE video_del_rec SET lease_owner = NULL, claimed_until = NULL WHERE lease_owner = ?', [owner]),
      );
    },
    async counts() {
      const [totals] = await db.rows(
        'SELECT COALESCE(SUM(dead = 0), 0) AS queued, COALESCE(SUM(dead = 1), 0) AS dead FROM video_del_rec',
      );
      const dead = Number(totals?.dead ?? 0);
      const deadIds =
        dead === 0
          ? []
          : await db.rows(
              `SELECT video_id FROM video_del_rec WHERE dead = 1
               ORDER BY next_attempt_at, video_id LIMIT ${DEAD_IDS_REPORTED}`,
            );
      return {
        queued: Number(totals?.queued ?? 0),
        dead,
        deadIds: deadIds.map((row) => String(row.video_id)),
      };
    },
  };
}
