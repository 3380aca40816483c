import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { migrations as allMigrations, type Migration, type SchemaObject, type Statement } from './migrations.js';

// Named locks are server-wide: the database name keeps deployments that share a server apart.
// MySQL refuses lock names over 64 characters (MariaDB does not): a database name too long for
// that is replaced by its SHA-1, and every shorter one keeps the name it always had.
export const LOCK = `IF(CHAR_LENGTH(DATABASE()) <= 49, CONCAT('vodkit_migrate:', DATABASE()),
  CONCAT('vodkit_migrate:', SHA1(DATABASE())))`;
const LOCK_WAIT_SECONDS = 60;

/** Whether a column or an index exists in the current database. */
async function exists(conn: PoolConnection, object: SchemaObject): Promise<boolean> {
  const [rows] =
    'column' in object
      ? await conn.query<RowDataPacket[]>(
          `SELECT 1 FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? LIMIT 1`,
          [object.table, object.column],
        )
      : await conn.query<RowDataPacket[]>(
          `SELECT 1 FROM information_schema.STATISTICS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1`,
          [object.table, object.index],
        );
  return rows.length > 0;
}

/** Runs one statement of a migration, unless its guard says the schema already is as it leaves it. */
async function apply(conn: PoolConnection, statement: Statement): Promise<void> {
  if (typeof statement === 'string') {
    await conn.query(statement);
    return;
  }
  if (statement.unlessExists && (await exists(conn, statement.unlessExists))) return;
  if (statement.onlyIfExists && !(await exists(conn, statement.onlyIfExists))) return;
  await conn.query(statement.sql);
}

/**
 * Applies the migrations this database has not seen, in order. A named lock
 * keeps instances that start together from applying the same one twice.
 */
export async function migrate(pool: Pool, migrations: Migration[] = allMigrations): Promise<number[]> {
  const conn = await pool.getConnection();
  try {
    const [lock] = await conn.query<RowDataPacket[]>(`SELECT GET_LOCK(${LOCK}, ?) AS got`, [LOCK_WAIT_SECONDS]);
    if (lock[0]?.got !== 1) throw new Error(`Timed out after ${LOCK_WAIT_SECONDS}s waiting for the migration lock.`);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS vodkit_migrations (
        version INT UNSIGNED NOT NULL PRIMARY KEY,
        name VARCHAR(200) NOT NULL,
        applied_at DATETIME(3) NOT NULL
      ) ENGINE=InnoDB`);
      const [rows] = await conn.query<RowDataPacket[]>('SELECT version FROM vodkit_migrations');
      const done = new Set(rows.map((row) => Number(row.version)));
      const applied: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        // DDL commits implicitly: a migration cut short is run again from its first statement,
        // and each statement skips (or is written to repeat) what it already did.
        for (const statement of migration.statements) await apply(conn, statement);
        await conn.query('INSERT INTO vodkit_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version,
          migration.name,
          new Date(),
        ]);
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await conn.query(`SELECT RELEASE_LOCK(${LOCK})`);
    }
  } finally {
    conn.release();
  }
}
