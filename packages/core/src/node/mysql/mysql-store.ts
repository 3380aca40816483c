import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { DEAD_IDS_REPORTED, storedError } from '../../store/deletions.js';
import type {
  CommentView,
  PageRequest,
  SessionRecord,
  Store,
  UserRecord,
  VideoStatus,
  VideoView,
} from '../../store/types.js';
import { migrate } from './migrate.js';

const ER_DUP_ENTRY = 1062;

export interface MysqlStoreOptions {
  /** `mysql://user:pass@host:port/db` */
  url: string;
  /** Connections in the pool. Default 10. */
  connectionLimit?: number;
}

const isDuplicate = (error: unknown) => (error as { errno?: number }).errno === ER_DUP_ENTRY;

/** `created_at < after` in newest-first order, as SQL with its parameters. */
const pageClause = (page: PageRequest, table: string): [string, unknown[]] =>
  page.after
    ? [
        ` AND (${table}.created_at < ? OR (${table}.created_at = ? AND ${table}.id < ?))`,
        [page.after.createdAt, page.after.createdAt, page.after.id],
      ]
    : ['', []];

const toVideo = (row: RowDataPacket): VideoView => ({
  id: row.id,
  authorId: row.author_id,
  authorName: row.author_name,
  name: row.name,
  status: row.status as VideoStatus,
  size: row.size === null ? null : Number(row.size),
  contentType: row.content_type,
  createdAt: row.created_at,
});

const toComment = (row: RowDataPacket): CommentView => ({
  id: row.id,
  videoId: row.video_id,
  authorId: row.author_id,
  authorName: row.author_name,
  content: row.content,
  createdAt: row.created_at,
});

const toUser = (row: RowDataPacket): UserRecord => ({
  id: row.id,
  userName: row.user_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

const VIDEO_COLUMNS = `v.id, v.author_id, u.user_name AS author_name, v.name, v.status, v.size, v.content_type, v.created_at`;

/** Opens a pool, applies pending migrations and returns the MySQL (or MariaDB) store. */
export async function mysqlStore(options: MysqlStoreOptions): Promise<Store> {
  const pool = createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit ?? 10,
    timezone: 'Z',
    supportBigNumbers: true,
  });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return createMysqlStore(pool);
}

/**
 * Runs `work` in one transaction. READ COMMITTED (for the claim) locks only the rows
 * it returns, without the gap locks of REPEATABLE READ that would hold up enqueues.
 */
const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ATTEMPTS = 4;

/**
 * Runs `work` again when InnoDB chose it as a deadlock victim (or it timed out
 * waiting for a lock): the statement was rolled back whole, so trying again is
 * safe, and with schedulers claiming, completing and failing rows side by side a
 * rare deadlock is a matter of timing, not a fault.
 */
async function retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if ((errno !== ER_LOCK_DEADLOCK && errno !== ER_LOCK_WAIT_TIMEOUT) || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 * Math.random()));
    }
  }
}

function transaction<T>(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<T>,
  isolation?: 'READ COMMITTED',
): Promise<T> {
  return retryingDeadlocks(async () => {
    const conn = await pool.getConnection();
    try {
      if (isolation) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
      await conn.beginTransaction();
      const result = await work(conn);
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback().catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  });
}

const insertSession = (conn: Pool | PoolConnection, session: SessionRecord) =>
  conn.execute('INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (?, ?, ?)', [
    session.idHash,
    session.userId,
    session.expiresAt,
  ]);

/**
 * Marks videos deleting and queues them, inside the caller's transaction; returns how many.
 * The rows are locked first (FOR UPDATE): with only the shared locks of INSERT … SELECT
 * before the UPDATE, two concurrent deletions of one video deadlocked instead of the
 * second one waiting and then finding the video already gone.
 */
async function queueDeletions(conn: PoolConnection, where: 'id' | 'author_id', param: string, now: Date) {
  const filter = `${where} = ? AND status <> 'deleting'`;
  await conn.execute(`SELECT id FROM videos WHERE ${filter} FOR UPDATE`, [param]);
  await conn.execute(
    `INSERT IGNORE INTO video_del_rec (video_id, attempts, next_attempt_at) SELECT id, 0, ? FROM videos WHERE ${filter}`,
    [now, param],
  );
  const [result] = await conn.execute(`UPDATE videos SET status = 'deleting' WHERE ${filter}`, [param]);
  return (result as { affectedRows: number }).affectedRows;
}

/** The one path behind markDeleted and enqueue: marks the video (if there) and queues its id. */
async function queueVideo(conn: PoolConnection, videoId: string, now: Date, always: boolean) {
  const marked = (await queueDeletions(conn, 'id', videoId, now)) > 0;
  if (always && !marked) {
    // No video row left to mark (or already deleting): queue the id itself, once.
    await conn.execute(
      'INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES (?, 0, ?) ON DUPLICATE KEY UPDATE video_id = video_id',
      [videoId, now],
    );
  }
  if (always) {
    // Asked again by an operator: a deletion given up on gets a fresh start.
    await conn.execute(
      'UPDATE video_del_rec SET dead = 0, attempts = 0, next_attempt_at = ?, last_error = NULL WHERE video_id = ? AND dead = 1',
      [now, videoId],
    );
  }
  return marked;
}

/** Thrown inside complete()'s transaction to roll it back when the lease is no longer ours. */
const LEASE_LOST = Symbol('lease lost');

const affected = (result: unknown) => (result as { affectedRows: number }).affectedRows;

export function createMysqlStore(pool: Pool): Store {
  let closing: Promise<void> | undefined;
  const rows = async (sql: string, params: unknown[]) => (await pool.execute<RowDataPacket[]>(sql, params as never))[0];

  return {
    kind: 'mysql',
    users: {
      async create(user, session) {
        try {
          await transaction(pool, async (conn) => {
            await conn.execute('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
              user.id,
              user.userName,
              user.passwordHash,
              user.createdAt,
            ]);
            await insertSession(conn, session);
          });
          return 'created';
        } catch (error) {
          if (isDuplicate(error)) return 'exists';
          throw error;
        }
      },
      async findByName(userName) {
        const [row] = await rows('SELECT * FROM users WHERE user_name = ?', [userName]);
        return row && toUser(row);
      },
      async delete(userId, now) {
        await transaction(pool, async (conn) => {
          await queueDeletions(conn, 'author_id', userId, now);
          // Sessions and comments go with the user through ON DELETE CASCADE.
          await conn.execute('DELETE FROM users WHERE id = ?', [userId]);
        });
      },
    },
    sessions: {
      async create(session, now) {
        await pool.execute('DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?', [session.userId, now]);
        await insertSession(pool, session);
      },
      async findActive(idHash, now) {
        const [row] = await rows(
          `SELECT s.id_hash, s.user_id, s.expires_at, u.user_name
           FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id_hash = ? AND s.expires_at > ?`,
          [idHash, now],
        );
        return row && { idHash: row.id_hash, userId: row.user_id, expiresAt: row.expires_at, userName: row.user_name };
      },
      async extend(idHash, expiresAt) {
        await pool.execute('UPDATE sessions SET expires_at = ? WHERE id_hash = ?', [expiresAt, idHash]);
      },
      async delete(idHash) {
        await pool.execute('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
      },
    },
    videos: {
      async create(video) {
        await pool.execute(
          `INSERT INTO videos (id, author_id, name, status, size, content_type, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [video.id, video.authorId, video.name, video.status, video.size, video.contentType, video.createdAt],
        );
      },
      async find(id) {
        const [row] = await rows(
          `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
           WHERE v.id = ? AND v.status <> 'deleting'`,
          [id],
        );
        return row && toVideo(row);
      },
      async listByAuthor(authorId, page) {
        const [clause, params] = pageClause(page, 'v');
        const found = await rows(
          `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
           WHERE v.author_id = ? AND v.status <> 'deleting'${clause}
           ORDER BY v.created_at DESC, v.id DESC LIMIT ${Number(page.limit)}`,
          [authorId, ...params],
        );
        return found.map(toVideo);
      },
      async markReady(id, file) {
        const [result] = await pool.execute(
          `UPDATE videos SET status = 'ready', size = ?, content_type = ? WHERE id = ? AND status = 'pending'`,
          [file.size, file.contentType, id],
        );
        return (result as { affectedRows: number }).affectedRows === 1;
      },
      async markDeleted(id, now) {
        return transaction(pool, (conn) => queueVideo(conn, id, now, false));
      },
    },
    comments: {
      async create(comment) {
        await pool.execute(
          'INSERT INTO comments (id, video_id, author_id, content, created_at) VALUES (?, ?, ?, ?, ?)',
          [comment.id, comment.videoId, comment.authorId, comment.content, comment.createdAt],
        );
      },
      async listByVideo(videoId, page) {
        const [clause, params] = pageClause(page, 'c');
        const found = await rows(
          `SELECT c.id, c.video_id, c.author_id, u.user_name AS author_name, c.content, c.created_at
           FROM comments c JOIN users u ON u.id = c.author_id
           WHERE c.video_id = ?${clause}
           ORDER BY c.created_at DESC, c.id DESC LIMIT ${Number(page.limit)}`,
          [videoId, ...params],
        );
        return found.map(toComment);
      },
    },
    deletions: {
      async list(limit) {
        const found = await rows(
          `SELECT video_id, attempts, next_attempt_at, dead, last_error FROM video_del_rec
           ORDER BY next_attempt_at, video_id LIMIT ${Number(limit)}`,
          [],
        );
        return found.map((row) => ({
          videoId: row.video_id,
          attempts: Number(row.attempts),
          nextAttemptAt: row.next_attempt_at,
          dead: Number(row.dead) !== 0,
          lastError: row.last_error,
        }));
      },
      async enqueue(videoId, now) {
        await transaction(pool, (conn) => queueVideo(conn, videoId, now, true));
      },
      async claim(owner, now, leaseMs, limit) {
        const take = Math.floor(limit);
        if (!(take > 0)) return [];
        return transaction(
          pool,
          async (conn) => {
            // Served by ix_video_del_rec_claim (dead, next_attempt_at); rows another
            // instance is claiming right now are skipped rather than waited for.
            const [due] = await conn.execute<RowDataPacket[]>(
              `SELECT video_id, attempts FROM video_del_rec
               WHERE dead = 0 AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
               ORDER BY next_attempt_at, video_id LIMIT ${take}
               FOR UPDATE SKIP LOCKED`,
              [now, now],
            );
            if (due.length === 0) return [];
            const ids = due.map((row) => String(row.video_id));
            await conn.query('UPDATE video_del_rec SET lease_owner = ?, claimed_until = ? WHERE video_id IN (?)', [
              owner,
              new Date(now.getTime() + leaseMs),
              ids,
            ]);
            return due.map((row) => ({ videoId: String(row.video_id), attempts: Number(row.attempts) }));
          },
          'READ COMMITTED',
        );
      },
      async complete(videoId, owner) {
        try {
          return await transaction(pool, async (conn) => {
            // The video row first, in the same order as enqueue and users.delete, so they cannot
            // deadlock; its comments go with it (ON DELETE CASCADE). Two statements, not four:
            // this runs once per deletion and bounds how fast a backlog drains.
            await conn.execute('DELETE FROM videos WHERE id = ?', [videoId]);
            const [gone] = await conn.execute('DELETE FROM video_del_rec WHERE video_id = ? AND lease_owner = ?', [
              videoId,
              owner,
            ]);
            // Our lease was taken over: undo the video delete, the new owner finishes the row.
            if (affected(gone) === 0) throw LEASE_LOST;
            return true;
          });
        } catch (error) {
          if (error === LEASE_LOST) return false;
          throw error;
        }
      },
      async fail(videoId, owner, failure) {
        await retryingDeadlocks(() =>
          pool.execute(
            `UPDATE video_del_rec
           SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, dead = ?, lease_owner = NULL, claimed_until = NULL
           WHERE video_id = ? AND lease_owner = ?`,
            [storedError(failure.error), failure.nextAttemptAt, failure.dead ? 1 : 0, videoId, owner],
          ),
        );
      },
      async release(owner) {
        await retryingDeadlocks(() =>
          pool.execute('UPDATE video_del_rec SET lease_owner = NULL, claimed_until = NULL WHERE lease_owner = ?', [
            owner,
          ]),
        );
      },
      async counts() {
        const [totals] = await rows(
          'SELECT COALESCE(SUM(dead = 0), 0) AS queued, COALESCE(SUM(dead = 1), 0) AS dead FROM video_del_rec',
          [],
        );
        const dead = Number(totals?.dead ?? 0);
        const deadIds =
          dead === 0
            ? []
            : await rows(
                `SELECT video_id FROM video_del_rec WHERE dead = 1
                 ORDER BY next_attempt_at, video_id LIMIT ${DEAD_IDS_REPORTED}`,
                [],
              );
        return {
          queued: Number(totals?.queued ?? 0),
          dead,
          deadIds: deadIds.map((row) => String(row.video_id)),
        };
      },
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}
