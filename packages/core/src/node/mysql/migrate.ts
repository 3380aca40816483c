import type { Pool, RowDataPacket } from 'mysql2/promise';
import { migrations as allMigrations, type Migration } from './migrations.js';

// Named locks are server-wide: the database name keeps deployments that share a server apart.
const LOCK = "CONCAT('vodkit_migrate:', DATABASE())";
const LOCK_WAIT_SECONDS = 60;
/** ER_TABLE_EXISTS_ERROR, ER_DUP_FIELDNAME, ER_DUP_KEYNAME. */
const ALREADY_THERE = new Set([1050, 1060, 1061]);

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
        // DDL commits implicitly in MySQL: a migration cut short is run again from its first
        // statement, and what that one already added counts as done.
        for (const statement of migration.statements) {
          await conn.query(statement).catch((error: unknown) => {
            if (!ALREADY_THERE.has((error as { errno?: number }).errno ?? 0)) throw error;
          });
        }
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
