import { DEAD_IDS_REPORTED, storedError } from '../deletions.js';
import type { DeletionQueue } from '../types.js';
import type { Database } from './database.js';
import { ms, text, textOrNull, toDate } from './rows.js';

/** Marks videos deleting and queues them, inside the caller's transaction; returns how many. */
export function queueDeletions(db: Database, where: 'id' | 'author_id', param: string, now: Date): number {
  const filter = `${where} = ? AND status <> 'deleting'`;
  db.run(
    `INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) SELECT id, 0, ? FROM videos WHERE ${filter}
     ON CONFLICT (video_id) DO NOTHING`,
    ms(now),
    param,
  );
  return db.run(`UPDATE videos SET status = 'deleting' WHERE ${filter}`, param);
}

/** The one path behind markDeleted and enqueue: marks the video (if there) and queues its id. */
export function queueVideo(db: Database, videoId: string, now: Date, always: boolean): boolean {
  const marked = queueDeletions(db, 'id', videoId, now) > 0;
  if (always) {
    // No video row left to mark (or already deleting): queue the id itself, once.
    if (!marked) {
      db.run(
        'INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES (?, 0, ?) ON CONFLICT (video_id) DO NOTHING',
        videoId,
        ms(now),
      );
    }
    // Asked again by an operator: a deletion given up on gets a fresh start.
    db.run(
      'UPDATE video_del_rec SET dead = 0, attempts = 0, next_attempt_at = ?, last_error = NULL WHERE video_id = ? AND dead = 1',
      ms(now),
      videoId,
    );
  }
  return marked;
}

/**
 * The scheduler's queue (`video_del_rec`) on SQLite. SQLite has no SKIP LOCKED; it needs none: a
 * claim is one UPDATE … RETURNING under the write lock (BEGIN IMMEDIATE), which one connection of
 * one process holds at a time, so each due row is leased to exactly one claimer, across processes.
 */
export function sqliteDeletions(db: Database): DeletionQueue {
  return {
    list: (limit) =>
      db.call(() =>
        db
          .all(
            `SELECT video_id, attempts, next_attempt_at, dead, last_error FROM video_del_rec
             ORDER BY next_attempt_at, video_id LIMIT ?`,
            Math.max(0, Math.floor(limit)),
          )
          .map((row) => ({
            videoId: text(row.video_id),
            attempts: Number(row.attempts),
            nextAttemptAt: toDate(row.next_attempt_at),
            dead: Number(row.dead) !== 0,
            lastError: textOrNull(row.last_error),
          })),
      ),
    enqueue: (videoId, now) =>
      db.call(() => {
        db.transaction(() => queueVideo(db, videoId, now, true));
      }),
    claim: (owner, now, leaseMs, limit) =>
      db.call(() => {
        const take = Math.floor(limit);
        if (!(take > 0)) return [];
        // Served by ix_video_del_rec_claim (dead, next_attempt_at). RETURNING gives rows in no set
        // order, so they are sorted here as the subquery picked them.
        const claimed = db.transaction(() =>
          db.all(
            `UPDATE video_del_rec SET lease_owner = ?, claimed_until = ?
             WHERE rowid IN (
               SELECT rowid FROM video_del_rec
               WHERE dead = 0 AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
               ORDER BY next_attempt_at, video_id LIMIT ?
             )
             RETURNING video_id, attempts, next_attempt_at`,
            owner,
            now.getTime() + leaseMs,
            ms(now),
            ms(now),
            take,
          ),
        );
        return claimed
          .map((row) => ({
            videoId: text(row.video_id),
            attempts: Number(row.attempts),
            due: Number(row.next_attempt_at),
          }))
          .sort((a, b) => a.due - b.due || (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0))
          .map(({ videoId, attempts }) => ({ videoId, attempts }));
      }),
    complete: (videoId, owner) =>
      db.call(() =>
        db.transaction(() => {
          // Only while the lease is ours; the video's comments go with it (ON DELETE CASCADE).
          if (db.run('DELETE FROM video_del_rec WHERE video_id = ? AND lease_owner = ?', videoId, owner) === 0) {
            return false;
          }
          db.run('DELETE FROM videos WHERE id = ?', videoId);
          return true;
        }),
      ),
    fail: (videoId, owner, failure) =>
      db.call(() => {
        db.run(
          `UPDATE video_del_rec
           SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, dead = ?, lease_owner = NULL, claimed_until = NULL
           WHERE video_id = ? AND lease_owner = ?`,
          storedError(failure.error),
          ms(failure.nextAttemptAt),
          failure.dead ? 1 : 0,
          videoId,
          owner,
        );
      }),
    release: (owner) =>
      db.call(() => {
        db.run('UPDATE video_del_rec SET lease_owner = NULL, claimed_until = NULL WHERE lease_owner = ?', owner);
      }),
    counts: () =>
      db.call(() => {
        const totals = db.get(
          'SELECT COALESCE(SUM(dead = 0), 0) AS queued, COALESCE(SUM(dead = 1), 0) AS dead FROM video_del_rec',
        );
        const dead = Number(totals?.dead ?? 0);
        const deadIds =
          dead === 0
            ? []
            : db.all(
                'SELECT video_id FROM video_del_rec WHERE dead = 1 ORDER BY next_attempt_at, video_id LIMIT ?',
                DEAD_IDS_REPORTED,
              );
        return { queued: Number(totals?.queued ?? 0), dead, deadIds: deadIds.map((row) => text(row.video_id)) };
      }),
  };
}
