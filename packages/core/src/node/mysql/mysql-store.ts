import { createPool, type Pool } from 'mysql2/promise';
import { defaults } from '../../defaults.js';
import type { Store } from '../../store/types.js';
import { mysqlLimits, mysqlSessions, mysqlUsers } from './accounts.js';
import { mysqlComments, mysqlVideos } from './content.js';
import { createDatabase } from './database.js';
import { mysqlDeletions } from './deletions.js';
import { migrate } from './migrate.js';
import { mysqlUploads } from './uploads.js';

/** Options of `mysqlStore`. */
export interface MysqlStoreOptions {
  /** `mysql://user:pass@host:port/db` */
  url: string;
  /** Connections in the pool. Default 10. */
  connectionLimit?: number;
  /** Bounds the connect, the wait for a pooled connection and each statement. Default 5 s. */
  timeoutMs?: number;
}

/** Requests waiting for a connection beyond this are refused at once (503) instead of queueing without end. */
const QUEUE_LIMIT = 1000;

/** Opens a pool, applies pending migrations and returns the MySQL (or MariaDB) store. */
export async function mysqlStore(options: MysqlStoreOptions): Promise<Store> {
  const timeoutMs = options.timeoutMs ?? defaults.databaseTimeoutMs;
  const pool = createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit ?? 10,
    queueLimit: QUEUE_LIMIT,
    connectTimeout: timeoutMs,
    enableKeepAlive: true,
    timezone: 'Z',
    supportBigNumbers: true,
  });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return createMysqlStore(pool, { timeoutMs });
}

/** The store over a pool whose schema is migrated (`migrate`). */
function createMysqlStore(pool: Pool, options: { timeoutMs?: number } = {}): Store {
  const db = createDatabase(pool, options.timeoutMs ?? defaults.databaseTimeoutMs);
  let closing: Promise<void> | undefined;
  return {
    kind: 'mysql',
    users: mysqlUsers(db),
    sessions: mysqlSessions(db),
    videos: mysqlVideos(db),
    comments: mysqlComments(db),
    uploads: mysqlUploads(db),
    deletions: mysqlDeletions(db),
    limits: mysqlLimits(db),
    async ping() {
      await db.rows('SELECT 1');
    },
    close() {
      closing ??= db.close();
      return closing;
    },
  };
}
