import { windowStart } from '../rate-window.js';
import type { RateLimits, SessionRecord, SessionRepository, UserRepository } from '../types.js';
import { type Database, isDuplicate } from './database.js';
import { queueDeletions } from './deletions.js';
import { ms, text, toDate, toUser } from './rows.js';

const insertSession = (db: Database, session: SessionRecord) =>
  db.run(
    'INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (?, ?, ?)',
    session.idHash,
    session.userId,
    ms(session.expiresAt),
  );

/** Names are unique without regard to case; `user_name_key` holds the folded name. */
const nameKey = (userName: string) => userName.toLowerCase();

export function sqliteUsers(db: Database): UserRepository {
  return {
    create: (user, session) =>
      db.call(() => {
        try {
          db.transaction(() => {
            db.run(
              'INSERT INTO users (id, user_name, user_name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
              user.id,
              user.userName,
              nameKey(user.userName),
              user.passwordHash,
              ms(user.createdAt),
            );
            insertSession(db, session);
          });
          return 'created';
        } catch (error) {
          if (isDuplicate(error)) return 'exists';
          throw error;
        }
      }),
    findByName: (userName) =>
      db.call(() => {
        const row = db.get('SELECT * FROM users WHERE user_name = ?', userName);
        return row && toUser(row);
      }),
    delete: (userId, now) =>
      db.call(() => {
        db.transaction(() => {
          // Under the write lock nothing else writes meanwhile: every video of the user is queued.
          queueDeletions(db, 'author_id', userId, now);
          // Sessions and comments go with the user through ON DELETE CASCADE.
          db.run('DELETE FROM users WHERE id = ?', userId);
        });
      }),
  };
}

export function sqliteSessions(db: Database): SessionRepository {
  return {
    create: (session, now, maxPerUser) =>
      db.call(() =>
        db.transaction(() => {
          if (!db.get('SELECT id FROM users WHERE id = ?', session.userId)) return 'no-user';
          db.run('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?', session.userId, ms(now));
          insertSession(db, session);
          // Served by ix_sessions_user_expiry; the sessions past the cap are the ones expiring soonest.
          db.run(
            `DELETE FROM sessions WHERE id_hash IN (
               SELECT id_hash FROM sessions WHERE user_id = ? ORDER BY expires_at DESC, id_hash DESC LIMIT -1 OFFSET ?
             )`,
            session.userId,
            Math.max(1, Math.floor(maxPerUser)),
          );
          return 'created';
        }),
      ),
    findActive: (idHash, now) =>
      db.call(() => {
        const row = db.get(
          `SELECT s.id_hash, s.user_id, s.expires_at, u.user_name
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id_hash = ? AND s.expires_at > ?`,
          idHash,
          ms(now),
        );
        return (
          row && {
            idHash: text(row.id_hash),
            userId: text(row.user_id),
            expiresAt: toDate(row.expires_at),
            userName: text(row.user_name),
          }
        );
      }),
    extend: (idHash, expiresAt) =>
      db.call(() => {
        db.run('UPDATE sessions SET expires_at = ? WHERE id_hash = ?', ms(expiresAt), idHash);
      }),
    delete: (idHash) =>
      db.call(() => {
        db.run('DELETE FROM sessions WHERE id_hash = ?', idHash);
      }),
    sweep: (now) =>
      db.call(() => {
        db.run('DELETE FROM sessions WHERE expires_at <= ?', ms(now));
      }),
  };
}

export function sqliteLimits(db: Database): RateLimits {
  const count = (key: string, now: Date, windowMs: number) =>
    Number(
      db.get('SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?', key, ms(windowStart(now, windowMs)))
        ?.hits ?? 0,
    );
  return {
    hit: (key, now, windowMs, delta = 1) =>
      db.call(() => {
        const start = ms(windowStart(now, windowMs));
        const step = Math.trunc(delta);
        if (step < 0) {
          // Taking back only ever touches the window it was counted in: a newer one stays as it is.
          db.run(
            'UPDATE rate_limits SET hits = MAX(hits + ?, 0) WHERE bucket = ? AND window_start = ?',
            step,
            key,
            start,
          );
          return count(key, now, windowMs);
        }
        // One statement, under the write lock: each of many hits at once reads its own count. The
        // right-hand sides of an upsert see the row as it was before this hit.
        const row = db.get(
          `INSERT INTO rate_limits (bucket, window_start, expires_at, hits) VALUES (?, ?, ?, ?)
           ON CONFLICT (bucket) DO UPDATE SET
             hits = CASE WHEN window_start = excluded.window_start THEN hits ELSE 0 END + excluded.hits,
             expires_at = excluded.expires_at, window_start = excluded.window_start
           RETURNING hits`,
          key,
          start,
          start + windowMs,
          step,
        );
        return Number(row?.hits ?? 0);
      }),
    count: (key, now, windowMs) => db.call(() => count(key, now, windowMs)),
    reset: (key) =>
      db.call(() => {
        db.run('DELETE FROM rate_limits WHERE bucket = ?', key);
      }),
    sweep: (now) =>
      db.call(() => {
        db.run('DELETE FROM rate_limits WHERE expires_at <= ?', ms(now));
      }),
  };
}
