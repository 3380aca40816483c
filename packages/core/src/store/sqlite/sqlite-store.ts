import { defaults } from '../../defaults.js';
import type { Store } from '../types.js';
import { sqliteLimits, sqliteSessions, sqliteUsers } from './accounts.js';
import { sqliteComments, sqliteVideos } from './content.js';
import { codeOf, createDatabase } from './database.js';
import { sqliteDeletions } from './deletions.js';
import type { SqliteDriver } from './driver.js';
import { migrateSqlite } from './migrations.js';
import { sqliteUploads } from './uploads.js';

/** Options of `sqliteStore`. */
export interface SqliteStoreOptions {
  /**
   * How long a write waits for the lock another process holds (SQLite's busy timeout) before the
   * call is `503 UNAVAILABLE`. Default 5 s (`defaults.databaseTimeoutMs`).
   */
  timeoutMs?: number;
}

/**
 * WAL: readers never wait for the writer, nor it for them, and processes on one machine share the
 * file. synchronous=NORMAL: a commit is written to the WAL before the call returns — in the
 * operating system's hands, so it survives the process being killed — and the WAL is flushed to
 * the disk at each checkpoint rather than at each commit; a power loss can take back the last
 * commits, never corrupt the file (see docs/deployment.md). Foreign keys carry the cascades.
 */
function configure(driver: SqliteDriver, timeoutMs: number): void {
  // First, so that switching to WAL waits for another process that is opening the file too.
  driver.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
  const mode = String(driver.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode ?? '');
  // An in-memory database (`:memory:`) has no WAL and needs none: one connection sees it.
  if (mode !== 'wal' && mode !== 'memory') throw new Error(`cannot switch to WAL mode (journal_mode is ${mode})`);
  driver.exec('PRAGMA synchronous = NORMAL');
  driver.exec('PRAGMA foreign_keys = ON');
}

const isBusy = (error: unknown) => codeOf(error).startsWith('SQLITE_BUSY');

/**
 * Runs `work` again while SQLite says the file is busy, for up to `timeoutMs`. Where SQLite could
 * deadlock it answers SQLITE_BUSY at once rather than waiting out the busy timeout, and once (in
 * CI, an api and a stream process opening one new file together) a start failed with "database is
 * locked" that way. Later calls meet such a BUSY as 503 with Retry-After; at start there is no
 * one to retry, so the store does, and the wait between tries blocks.
 */
function whileBusy(timeoutMs: number, work: () => void): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      work();
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 40);
    }
  }
}

/**
 * The SQLite store over an open driver (better-sqlite3 on Node, bun:sqlite on Bun), which it owns
 * from then on: its pragmas are set and pending migrations applied here, and `close()` closes it
 * (so does a failure to open). A file that is not a database fails here, with SQLite's message.
 */
export function sqliteStore(driver: SqliteDriver, options: SqliteStoreOptions = {}): Store {
  const timeoutMs = options.timeoutMs ?? defaults.databaseTimeoutMs;
  try {
    whileBusy(timeoutMs, () => {
      configure(driver, timeoutMs);
      migrateSqlite(driver);
    });
  } catch (error) {
    try {
      driver.close();
    } catch {}
    throw error;
  }
  const db = createDatabase(driver, timeoutMs);
  return {
    kind: 'sqlite',
    users: sqliteUsers(db),
    sessions: sqliteSessions(db),
    videos: sqliteVideos(db),
    comments: sqliteComments(db),
    uploads: sqliteUploads(db),
    deletions: sqliteDeletions(db),
    limits: sqliteLimits(db),
    ping: () =>
      db.call(() => {
        db.get('SELECT version FROM vodkit_migrations LIMIT 1');
      }),
    async close() {
      db.close();
    },
  };
}
