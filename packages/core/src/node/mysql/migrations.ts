/**
 * Versioned schema changes, applied in order at start. A version, once released,
 * is never edited: a change to the schema is a new entry at the end.
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

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
    // IF NOT EXISTS (MariaDB) keeps each statement safe to re-run: DDL commits on its own,
    // so a migration interrupted half way is applied again from its first statement.
    statements: [
      'ALTER TABLE video_del_rec ADD COLUMN IF NOT EXISTS dead TINYINT(1) NOT NULL DEFAULT 0',
      // deletions.claim: WHERE dead = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, video_id.
      'CREATE INDEX IF NOT EXISTS ix_video_del_rec_claim ON video_del_rec (dead, next_attempt_at)',
      // deletions.release: every lease of one owner.
      'CREATE INDEX IF NOT EXISTS ix_video_del_rec_owner ON video_del_rec (lease_owner)',
    ],
  },
  {
    version: 3,
    name: 'case-insensitive user names, session sweeps, rate limits',
    // Portable to MySQL 8 and MariaDB (no IF NOT EXISTS on columns and indexes): migrate()
    // treats "already there" errors as done, so a migration cut short is safe to run again.
    statements: [
      `ALTER TABLE users ADD COLUMN user_name_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL`,
      // Names that already differ only in case keep working; one of each group holds the key,
      // and no new look-alike can be registered.
      `UPDATE users u JOIN (SELECT MIN(id) AS id FROM users GROUP BY LOWER(user_name)) keeper ON keeper.id = u.id
       SET u.user_name_key = LOWER(u.user_name) WHERE u.user_name_key IS NULL`,
      'CREATE UNIQUE INDEX uq_users_user_name_key ON users (user_name_key)',
      // sessions.sweep: every expired session, of every user.
      'CREATE INDEX ix_sessions_expiry ON sessions (expires_at)',
      `CREATE TABLE IF NOT EXISTS rate_limits (
        bucket VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
        window_start DATETIME(3) NOT NULL,
        expires_at DATETIME(3) NOT NULL,
        hits INT UNSIGNED NOT NULL,
        KEY ix_rate_limits_expiry (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
];
