/**
 * Versioned schema changes, applied in order at start. A version, once released, is never
 * edited in what it does: a change to the schema is a new entry at the end.
 *
 * Every statement must run on MySQL 8.0+ and MariaDB 10.6+. DDL commits on its own, so a
 * migration cut short (a crash, a lost connection) is run again from its first statement: each
 * one must be safe to run twice. MySQL has no IF [NOT] EXISTS on columns, indexes or
 * constraints (MariaDB has), so those changes are {@link Guarded} statements, which migrate()
 * skips when the schema already has (or no longer has) what they add (or drop). Plain strings
 * must be safe to repeat by themselves: `CREATE TABLE IF NOT EXISTS`, `DROP TABLE IF EXISTS`,
 * an UPDATE that leaves rows it has done alone.
 */
export interface Migration {
  version: number;
  name: string;
  statements: Statement[];
}

export type Statement = string | Guarded;

/** A column or an index of a table of the current database. */
export type SchemaObject = { table: string; column: string } | { table: string; index: string };

/** A statement that migrate() runs only while the schema is not yet as it leaves it. */
export interface Guarded {
  sql: string;
  /** Skip the statement when this exists: what it adds is there. */
  unlessExists?: SchemaObject;
  /** Skip the statement when this does not exist: what it drops is gone. */
  onlyIfExists?: SchemaObject;
}

/** `ALTER TABLE table ADD COLUMN column definition`, skipped when the column is there. */
export const addColumn = (table: string, column: string, definition: string): Guarded => ({
  sql: `ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`,
  unlessExists: { table, column },
});

/** `CREATE [UNIQUE] INDEX index ON table (columns)`, skipped when an index of that name is there. */
export const createIndex = (table: string, index: string, columns: string, unique = false): Guarded => ({
  sql: `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${index} ON ${table} (${columns})`,
  unlessExists: { table, index },
});

/** `ALTER TABLE table DROP COLUMN column`, skipped when the column is gone. */
export const dropColumn = (table: string, column: string): Guarded => ({
  sql: `ALTER TABLE ${table} DROP COLUMN ${column}`,
  onlyIfExists: { table, column },
});

/** `DROP INDEX index ON table`, skipped when the index is gone. */
export const dropIndex = (table: string, index: string): Guarded => ({
  sql: `DROP INDEX ${index} ON ${table}`,
  onlyIfExists: { table, index },
});

/** The SQL of a statement, guarded or not. */
export const sqlOf = (statement: Statement) => (typeof statement === 'string' ? statement : statement.sql);

const ids = 'CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE IF NOT EXISTS users (
        id ${ids} PRIMARY KEY,
        user_name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        created_at DATETIME(3) NOT NULL,
        UNIQUE KEY uq_users_user_name (user_name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS sessions (
        id_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
        user_id ${ids},
        expires_at DATETIME(3) NOT NULL,
        KEY ix_sessions_user_expiry (user_id, expires_at),
        CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      // No foreign key to users: a deleted user's videos stay, marked deleting,
      // until the scheduler has removed their files.
      `CREATE TABLE IF NOT EXISTS videos (
        id ${ids} PRIMARY KEY,
        author_id ${ids},
        name VARCHAR(200) NOT NULL,
        status ENUM('pending', 'ready', 'deleting') NOT NULL,
        size BIGINT UNSIGNED NULL,
        content_type VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_videos_author_page (author_id, created_at, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS comments (
        id ${ids} PRIMARY KEY,
        video_id ${ids},
        author_id ${ids},
        content VARCHAR(2000) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        KEY ix_comments_video_page (video_id, created_at, id),
        KEY ix_comments_author (author_id),
        CONSTRAINT fk_comments_video FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE,
        CONSTRAINT fk_comments_author FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS video_del_rec (
        video_id ${ids} PRIMARY KEY,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        next_attempt_at DATETIME(3) NOT NULL,
        lease_owner VARCHAR(64) NULL,
        claimed_until DATETIME(3) NULL,
        last_error VARCHAR(1000) NULL,
        KEY ix_video_del_rec_due (next_attempt_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
  {
    version: 2,
    name: 'deletion queue: dead rows, claim and lease indexes',
    // Released with MariaDB's ADD COLUMN / CREATE INDEX IF NOT EXISTS, which MySQL refuses; the
    // guards do the same on both, and leave the same schema.
    statements: [
      addColumn('video_del_rec', 'dead', 'TINYINT(1) NOT NULL DEFAULT 0'),
      // deletions.claim: WHERE dead = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, video_id.
      createIndex('video_del_rec', 'ix_video_del_rec_claim', 'dead, next_attempt_at'),
      // deletions.release: every lease of one owner.
      createIndex('video_del_rec', 'ix_video_del_rec_owner', 'lease_owner'),
    ],
  },
  {
    version: 3,
    name: 'case-insensitive user names, session sweeps, rate limits',
    statements: [
      addColumn('users', 'user_name_key', 'VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL'),
      // Names that already differ only in case keep working; one of each group holds the key,
      // and no new look-alike can be registered. Run again, it finds every keeper done.
      `UPDATE users u JOIN (SELECT MIN(id) AS id FROM users GROUP BY LOWER(user_name)) keeper ON keeper.id = u.id
       SET u.user_name_key = LOWER(u.user_name) WHERE u.user_name_key IS NULL`,
      createIndex('users', 'uq_users_user_name_key', 'user_name_key', true),
      // sessions.sweep: every expired session, of every user.
      createIndex('sessions', 'ix_sessions_expiry', 'expires_at'),
      `CREATE TABLE IF NOT EXISTS rate_limits (
        bucket VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
        window_start DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        hits INT UNSIGNED NOT NULL,
        KEY ix_rate_limits_expiry (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
  {
    version: 4,
    name: 'resumable uploads',
    // One statement: the table comes whole with its keys, or not at all, and a run again finds it.
    statements: [
      // One unfinished upload per video at most (uq_resumable_uploads_video); removing the video
      // removes it. uploads.expired: WHERE expires_at <= ? ORDER BY expires_at, id.
      `CREATE TABLE IF NOT EXISTS resumable_uploads (
        id CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
        video_id ${ids},
        length BIGINT UNSIGNED NOT NULL,
        upload_offset BIGINT UNSIGNED NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        created_at DATETIME(3) NOT NULL,
        lease_owner VARCHAR(64) NULL,
        lease_until DATETIME(3) NULL,
        UNIQUE KEY uq_resumable_uploads_video (video_id),
        KEY ix_resumable_uploads_expiry (expires_at),
        CONSTRAINT fk_resumable_uploads_video FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
];
