import { immediate } from './database.js';
import type { SqliteDriver } from './driver.js';

/**
 * A versioned schema change of the SQLite store. A version, once released, is never edited in what
 * it does: a change to the schema is a new entry at the end. SQLite runs DDL inside transactions,
 * so a migration is applied whole or not at all, and needs no guards against a second run.
 */
export interface SqliteMigration {
  version: number;
  name: string;
  /** One or more statements, run together. */
  sql: string;
}

/**
 * The SQLite store came after MySQL's migration 3, and starts at that schema: the same tables,
 * columns, indexes (by name) and constraints, in SQLite's types. A version means the same schema on
 * both stores, so a later change is the same number on each. Times are INTEGER milliseconds since
 * the epoch (UTC), exact to the millisecond as DATETIME(3) is; text compares bytewise (BINARY), as
 * MySQL's `_bin` collations do; STRICT tables refuse a value of the wrong type, as MySQL's strict
 * mode does, and the CHECKs hold lengths and values where MySQL's column types do.
 */
export const sqliteMigrations: SqliteMigration[] = [
  {
    version: 3,
    name: 'initial schema (as MySQL after migration 3)',
    sql: `
      CREATE TABLE users (
        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 36),
        user_name TEXT NOT NULL CHECK (length(user_name) <= 64),
        -- The lower-cased name, unique: names that differ only in case never coexist.
        user_name_key TEXT NULL CHECK (length(user_name_key) <= 64),
        password_hash TEXT NOT NULL CHECK (length(password_hash) <= 255),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX uq_users_user_name ON users (user_name);
      CREATE UNIQUE INDEX uq_users_user_name_key ON users (user_name_key);

      CREATE TABLE sessions (
        id_hash TEXT NOT NULL PRIMARY KEY CHECK (length(id_hash) <= 64),
        user_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX ix_sessions_user_expiry ON sessions (user_id, expires_at);
      -- sessions.sweep: every expired session, of every user.
      CREATE INDEX ix_sessions_expiry ON sessions (expires_at);

      -- No foreign key to users: a deleted user's videos stay, marked deleting,
      -- until the scheduler has removed their files.
      CREATE TABLE videos (
        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 36),
        author_id TEXT NOT NULL CHECK (length(author_id) <= 36),
        name TEXT NOT NULL CHECK (length(name) <= 200),
        status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'deleting')),
        size INTEGER NULL CHECK (size >= 0),
        content_type TEXT NULL CHECK (length(content_type) <= 255),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ix_videos_author_page ON videos (author_id, created_at, id);

      CREATE TABLE comments (
        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 36),
        video_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        content TEXT NOT NULL CHECK (length(content) <= 2000),
        created_at INTEGER NOT NULL,
        CONSTRAINT fk_comments_video FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE,
        CONSTRAINT fk_comments_author FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX ix_comments_video_page ON comments (video_id, created_at, id);
      CREATE INDEX ix_comments_author ON comments (author_id);

      CREATE TABLE video_del_rec (
        video_id TEXT NOT NULL PRIMARY KEY CHECK (length(video_id) <= 36),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT NULL CHECK (length(lease_owner) <= 64),
        claimed_until INTEGER NULL,
        last_error TEXT NULL CHECK (length(last_error) <= 1000),
        dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
      ) STRICT;
      CREATE INDEX ix_video_del_rec_due ON video_del_rec (next_attempt_at);
      -- deletions.claim: WHERE dead = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, video_id.
      CREATE INDEX ix_video_del_rec_claim ON video_del_rec (dead, next_attempt_at);
      -- deletions.release: every lease of one owner.
      CREATE INDEX ix_video_del_rec_owner ON video_del_rec (lease_owner);

      CREATE TABLE rate_limits (
        bucket TEXT NOT NULL PRIMARY KEY CHECK (length(bucket) <= 200),
        window_start INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        hits INTEGER NOT NULL CHECK (hits >= 0)
      ) STRICT;
      CREATE INDEX ix_rate_limits_expiry ON rate_limits (expires_at);
    `,
  },
  {
    version: 4,
    name: 'resumable uploads',
    sql: `
      -- One unfinished upload per video at most; removing the video removes it.
      CREATE TABLE resumable_uploads (
        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) <= 32),
        video_id TEXT NOT NULL,
        length INTEGER NOT NULL CHECK (length >= 0),
        upload_offset INTEGER NOT NULL CHECK (upload_offset >= 0),
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        lease_owner TEXT NULL CHECK (length(lease_owner) <= 64),
        lease_until INTEGER NULL,
        CONSTRAINT fk_resumable_uploads_video FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE
      ) STRICT;
      CREATE UNIQUE INDEX uq_resumable_uploads_video ON resumable_uploads (video_id);
      -- uploads.expired: WHERE expires_at <= ? ORDER BY expires_at, id.
      CREATE INDEX ix_resumable_uploads_expiry ON resumable_uploads (expires_at);
    `,
  },
];

/**
 * Applies the migrations this database has not seen, in order, each recorded in
 * `vodkit_migrations` in the same transaction. BEGIN IMMEDIATE takes the write lock first, so of
 * processes starting together on one file one migrates while the others wait (up to the busy
 * timeout), then find the work done. Returns the versions applied.
 */
export function migrateSqlite(driver: SqliteDriver, migrations: SqliteMigration[] = sqliteMigrations): number[] {
  return immediate(driver, () => {
    driver.exec(`CREATE TABLE IF NOT EXISTS vodkit_migrations (
      version INTEGER NOT NULL PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const done = new Set(
      driver
        .prepare('SELECT version FROM vodkit_migrations')
        .all()
        .map((row) => Number(row.version)),
    );
    const record = driver.prepare('INSERT INTO vodkit_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      driver.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    return applied;
  });
}
