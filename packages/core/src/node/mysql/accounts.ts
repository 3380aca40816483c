import { windowStart } from '../../store/rate-window.js';
import type { RateLimits, SessionRecord, SessionRepository, UserRepository } from '../../store/types.js';
import type { Database, Statements } from './database.js';
import { queueDeletions } from './deletions.js';
import { isDuplicate, toUser } from './rows.js';

const insertSession = (tx: Statements, session: SessionRecord) =>
  tx.write('INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (?, ?, ?)', [
    session.idHash,
    session.userId,
    session.expiresAt,
  ]);

/** Names are unique without regard to case; `user_name_key` holds the folded name. */
const nameKey = (userName: string) => userName.toLowerCase();

export function mysqlUsers(db: Database): UserRepository {
  return {
    async create(user, session) {
      try {
        await db.transaction(async (tx) => {
          await tx.write(
            'INSERT INTO users (id, user_name, user_name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
            [user.id, user.userName, nameKey(user.userName), user.passwordHash, user.createdAt],
          );
          await insertSession(tx, session);
        });
        return 'created';
      } catch (error) {
        if (isDuplicate(error)) return 'exists';
        throw error;
      }
    },
    async findByName(userName) {
      const [row] = await db.rows('SELECT * FROM users WHERE user_name = ?', [userName]);
      return row && toUser(row);
    },
    async delete(userId, now) {
      await db.transaction(async (tx) => {
        // The user row first, exclusively: writes that need the user (videos, comments,
        // sessions) hold it shared, so each one either commits before this deletion (and its
        // rows are taken along) or waits and then finds no user.
        await tx.rows('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
        await queueDeletions(tx, 'author_id', userId, now);
        // Sessions and comments go with the user through ON DELETE CASCADE.
        await tx.write('DELETE FROM users WHERE id = ?', [userId]);
      });
    },
  };
}

export function mysqlSessions(db: Database): SessionRepository {
  return {
    create(session, now, maxPerUser) {
      return db.transaction(async (tx) => {
        const [user] = await tx.rows('SELECT id FROM users WHERE id = ? LOCK IN SHARE MODE', [session.userId]);
        if (!user) return 'no-user';
        await tx.write('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?', [session.userId, now]);
        await insertSession(tx, session);
        // Served by ix_sessions_user_expiry; the sessions past the cap are the ones expiring soonest.
        const extra = await tx.rows(
          `SELECT id_hash FROM sessions WHERE user_id = ? ORDER BY expires_at DESC, id_hash DESC
           LIMIT 1000 OFFSET ${Math.max(1, Math.floor(maxPerUser))}`,
          [session.userId],
        );
        if (extra.length > 0) {
          await tx.query('DELETE FROM sessions WHERE id_hash IN (?)', [extra.map((row) => String(row.id_hash))]);
        }
        return 'created';
      });
    },
    async findActive(idHash, now) {
      const [row] = await db.rows(
        `SELECT s.id_hash, s.user_id, s.expires_at, u.user_name
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = ? AND s.expires_at > ?`,
        [idHash, now],
      );
      return row && { idHash: row.id_hash, userId: row.user_id, expiresAt: row.expires_at, userName: row.user_name };
    },
    async extend(idHash, expiresAt) {
      await db.write('UPDATE sessions SET expires_at = ? WHERE id_hash = ?', [expiresAt, idHash]);
    },
    async delete(idHash) {
      await db.write('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
    },
    async sweep(now) {
      await db.write('DELETE FROM sessions WHERE expires_at <= ?', [now]);
    },
  };
}

export function mysqlLimits(db: Database): RateLimits {
  const count = async (key: string, now: Date, windowMs: number) => {
    const [row] = await db.rows('SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?', [
      key,
      windowStart(now, windowMs),
    ]);
    return Number(row?.hits ?? 0);
  };
  return {
    async hit(key, now, windowMs, delta = 1) {
      const start = windowStart(now, windowMs);
      const step = Math.trunc(delta);
      if (step < 0) {
        // Taking back only ever touches the window it was counted in: a newer one stays as it is.
        await db.write(
          'UPDATE rate_limits SET hits = GREATEST(CAST(hits AS SIGNED) + ?, 0) WHERE bucket = ? AND window_start = ?',
          [step, key, start],
        );
        return count(key, now, windowMs);
      }
      // One transaction: the upsert's row lock is held until the read, so each of many hits at
      // once reads its own count, and a limit lets exactly its quota through.
      return db.transaction(async (tx) => {
        // MySQL assigns left to right: `hits` is computed against the window stored before this hit.
        await tx.write(
          `INSERT INTO rate_limits (bucket, window_start, expires_at, hits) VALUES (?, ?, ?, ?)
           ON DUPLICATE KEY UPDATE
             hits = IF(window_start = VALUES(window_start), hits, 0) + ?,
             expires_at = VALUES(expires_at), window_start = VALUES(window_start)`,
          [key, start, new Date(start.getTime() + windowMs), step, step],
        );
        const [row] = await tx.rows('SELECT hits FROM rate_limits WHERE bucket = ?', [key]);
        return Number(row?.hits ?? 0);
      });
    },
    count,
    async reset(key) {
      await db.write('DELETE FROM rate_limits WHERE bucket = ?', [key]);
    },
    async sweep(now) {
      await db.write('DELETE FROM rate_limits WHERE expires_at <= ?', [now]);
    },
  };
}
