import { randomBytes } from 'node:crypto';
import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { LOCK, migrate } from '../src/node/mysql/migrate.js';
import {
  addColumn,
  createIndex,
  dropColumn,
  dropIndex,
  type Migration,
  migrations,
  sqlOf,
} from '../src/node/mysql/migrations.js';
import { newUser, orderedId } from './fixtures.js';

const ordered = [...migrations].sort((a, b) => a.version - b.version);
const allVersions = ordered.map((migration) => migration.version);

/** The SQL of every statement, with the migration it belongs to. */
const everyStatement = ordered.flatMap((migration) =>
  migration.statements.map((statement) => ({ version: migration.version, statement, sql: sqlOf(statement) })),
);

describe('mysql migrations: syntax MySQL 8 and MariaDB both accept', () => {
  it('uses IF [NOT] EXISTS only on CREATE TABLE and DROP TABLE (MySQL has no other form of it)', () => {
    // MariaDB also takes IF [NOT] EXISTS on ADD COLUMN, ADD INDEX, CREATE INDEX, DROP COLUMN,
    // DROP INDEX, DROP FOREIGN KEY, MODIFY and CHANGE; MySQL 8 refuses all of them.
    const portable =
      /\b(?:CREATE\s+(?:TEMPORARY\s+)?TABLE\s+IF\s+NOT\s+EXISTS|DROP\s+(?:TEMPORARY\s+)?TABLE\s+IF\s+EXISTS)\b/gi;
    const offending = everyStatement.filter(({ sql }) => /\bIF\s+(?:NOT\s+)?EXISTS\b/i.test(sql.replace(portable, '')));
    expect(offending.map(({ version, sql }) => `migration ${version}: ${sql}`)).toEqual([]);
  });

  it('has no other MariaDB-only statement (CREATE OR REPLACE, sequences)', () => {
    const mariadbOnly = /\bCREATE\s+OR\s+REPLACE\s+(?:TABLE|INDEX)\b|\bSEQUENCE\b/i;
    const offending = everyStatement.filter(({ sql }) => mariadbOnly.test(sql));
    expect(offending.map(({ version, sql }) => `migration ${version}: ${sql}`)).toEqual([]);
  });

  it('guards every change to a column, an index or a constraint, so that it is safe to run twice', () => {
    const change =
      /\b(?:ADD|DROP|MODIFY|CHANGE|RENAME)\s+(?:COLUMN|INDEX|KEY|UNIQUE|FOREIGN\s+KEY|CONSTRAINT|PRIMARY\s+KEY)\b|\b(?:CREATE|DROP)\s+(?:UNIQUE\s+)?INDEX\b/i;
    const unguarded = everyStatement.filter(({ statement, sql }) => typeof statement === 'string' && change.test(sql));
    expect(unguarded.map(({ version, sql }) => `migration ${version}: ${sql}`)).toEqual([]);

    // A guard names the table and the column or index its statement changes.
    for (const { statement, sql } of everyStatement) {
      if (typeof statement === 'string') continue;
      const guard = statement.unlessExists ?? statement.onlyIfExists;
      expect(guard, sql).toBeDefined();
      if (!guard) continue;
      expect(sql).toMatch(new RegExp(`\\b${guard.table}\\b`));
      expect(sql).toMatch(new RegExp(`\\b${'column' in guard ? guard.column : guard.index}\\b`));
    }
  });

  it('writes the statements the guards stand for', () => {
    expect(addColumn('t', 'c', 'INT NULL')).toEqual({
      sql: 'ALTER TABLE t ADD COLUMN c INT NULL',
      unlessExists: { table: 't', column: 'c' },
    });
    expect(createIndex('t', 'ix', 'a, b', true)).toEqual({
      sql: 'CREATE UNIQUE INDEX ix ON t (a, b)',
      unlessExists: { table: 't', index: 'ix' },
    });
    expect(dropColumn('t', 'c')).toEqual({
      sql: 'ALTER TABLE t DROP COLUMN c',
      onlyIfExists: { table: 't', column: 'c' },
    });
    expect(dropIndex('t', 'ix')).toEqual({ sql: 'DROP INDEX ix ON t', onlyIfExists: { table: 't', index: 'ix' } });
  });
});

describeMysql('mysql migrations: cut short and run again', (serverUrl) => {
  const databases: TestDatabase[] = [];
  const pools: Pool[] = [];

  /** A new scratch database, dropped after the test, and a pool on it. */
  const scratch = async () => {
    const db = await freshDatabase(serverUrl);
    databases.push(db);
    const pool = createPool({ uri: db.url, connectionLimit: 2, timezone: 'Z' });
    pools.push(pool);
    const query = async (sql: string, params: unknown[] = []) => (await pool.query<RowDataPacket[]>(sql, params))[0];
    return { pool, query };
  };
  type Scratch = Awaited<ReturnType<typeof scratch>>;

  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.end().catch(() => {});
    for (const db of databases.splice(0)) await db.drop();
  });

  /** `SHOW CREATE TABLE` of every table, by name: the whole schema, byte for byte. */
  const schemaOf = async ({ query }: Scratch) => {
    const schema: Record<string, string> = {};
    for (const row of await query('SHOW TABLES')) {
      const table = String(Object.values(row)[0]);
      const [create] = await query(`SHOW CREATE TABLE \`${table}\``);
      schema[table] = String(create?.['Create Table']);
    }
    return schema;
  };

  const recorded = async ({ query }: Scratch) =>
    (await query('SELECT version FROM vodkit_migrations ORDER BY version')).map((row) => Number(row.version));

  /** Two names that differ only in case, as an earlier version could store them; `Alice` has the lower id. */
  const seedLookAlikes = async ({ query }: Scratch) => {
    const lookAlikes = [
      { ...newUser('alice'), id: orderedId(2) },
      { ...newUser('Alice'), id: orderedId(1) },
    ];
    for (const user of lookAlikes) {
      await query('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
        user.id,
        user.userName,
        user.passwordHash,
        user.createdAt,
      ]);
    }
  };
  const usersOf = async ({ query }: Scratch) =>
    (await query('SHOW TABLES LIKE ?', ['users'])).length === 0
      ? []
      : await query('SELECT id, user_name, user_name_key FROM users ORDER BY id');

  /**
   * The database as migration `version` left it after its first `done` statements, before the
   * version was recorded: what a crash or a lost connection half way through leaves behind.
   * Look-alike users are stored first where a users table exists.
   */
  const cutShort = async (version: number, done: number) => {
    const db = await scratch();
    expect(
      await migrate(
        db.pool,
        ordered.filter((migration) => migration.version < version),
      ),
    ).toEqual(allVersions.filter((other) => other < version));
    if ((await db.query('SHOW TABLES LIKE ?', ['users'])).length > 0) await seedLookAlikes(db);
    const migration = ordered.find((candidate) => candidate.version === version) as Migration;
    const partial = { ...migration, statements: migration.statements.slice(0, done) };
    await migrate(db.pool, [...ordered.filter((other) => other.version < version), partial]);
    await db.query('DELETE FROM vodkit_migrations WHERE version = ?', [version]);
    return db;
  };

  it('leaves the same schema after a migration cut short at any statement is run again', async () => {
    // The reference: every migration in one go, with the same rows before each one.
    const references = new Map<number, { schema: Record<string, string>; users: unknown[] }>();
    for (const { version } of ordered) {
      const db = await cutShort(version, 0);
      expect(await migrate(db.pool)).toEqual(allVersions.filter((other) => other >= version));
      references.set(version, { schema: await schemaOf(db), users: await usersOf(db) });
    }
    const [first] = references.values();
    for (const reference of references.values()) expect(reference.schema).toEqual(first?.schema);

    for (const migration of ordered) {
      for (let done = 1; done <= migration.statements.length; done++) {
        const where = `migration ${migration.version} cut after statement ${done} of ${migration.statements.length}`;
        const db = await cutShort(migration.version, done);
        expect(await migrate(db.pool), where).toEqual(allVersions.filter((other) => other >= migration.version));
        expect(await recorded(db), where).toEqual(allVersions);
        const reference = references.get(migration.version);
        expect(await schemaOf(db), where).toEqual(reference?.schema);
        expect(await usersOf(db), where).toEqual(reference?.users);
      }
    }
  });

  it('gives look-alike names one key holder, whichever statement of migration 3 was cut', async () => {
    const three = ordered.find((migration) => migration.version === 3) as Migration;
    for (let done = 0; done <= three.statements.length; done++) {
      const db = await cutShort(3, done);
      await migrate(db.pool);
      const keys = (await usersOf(db)).map((row) => (row as RowDataPacket).user_name_key);
      expect(keys).toHaveLength(2);
      expect(keys.filter((key) => key !== null)).toEqual(['alice']);
      // The one whose id sorts first holds the key (docs/deployment.md, Upgrading to migration 3).
      expect(await db.query('SELECT user_name FROM users WHERE user_name_key IS NOT NULL')).toEqual([
        { user_name: 'Alice' },
      ]);
    }
  });

  it('changes nothing when every migration runs twice, recorded or not', async () => {
    const db = await scratch();
    expect(await migrate(db.pool)).toEqual(allVersions);
    const schema = await schemaOf(db);
    const rows = await db.query('SELECT version, name, applied_at FROM vodkit_migrations ORDER BY version');

    expect(await migrate(db.pool)).toEqual([]);
    expect(await schemaOf(db)).toEqual(schema);
    expect(await db.query('SELECT version, name, applied_at FROM vodkit_migrations ORDER BY version')).toEqual(rows);

    // Every statement again, as if no version had been recorded: each one finds its work done.
    await db.query('DELETE FROM vodkit_migrations');
    expect(await migrate(db.pool)).toEqual(allVersions);
    expect(await schemaOf(db)).toEqual(schema);
  });

  it('skips a drop whose column or index is already gone', async () => {
    const db = await scratch();
    await migrate(db.pool);
    const next = Math.max(...allVersions) + 1;
    const add: Migration = {
      version: next,
      name: 'test: add',
      statements: [
        'CREATE TABLE IF NOT EXISTS test_guards (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB',
        addColumn('test_guards', 'extra', 'INT NULL'),
        createIndex('test_guards', 'ix_test_guards_extra', 'extra'),
      ],
    };
    const drop: Migration = {
      version: next + 1,
      name: 'test: drop',
      statements: [dropIndex('test_guards', 'ix_test_guards_extra'), dropColumn('test_guards', 'extra')],
    };
    expect(await migrate(db.pool, [...migrations, add, drop])).toEqual([next, next + 1]);
    const schema = await schemaOf(db);
    expect(schema.test_guards).not.toContain('extra');

    // Both run again, in the order a crash would leave them: the adds find nothing to skip
    // (the drop removed them), so they add; the drops then remove.
    await db.query('DELETE FROM vodkit_migrations WHERE version >= ?', [next]);
    expect(await migrate(db.pool, [...migrations, add, drop])).toEqual([next, next + 1]);
    expect(await schemaOf(db)).toEqual(schema);

    // The drop alone, its work already done.
    await db.query('DELETE FROM vodkit_migrations WHERE version = ?', [next + 1]);
    expect(await migrate(db.pool, [...migrations, add, drop])).toEqual([next + 1]);
    expect(await schemaOf(db)).toEqual(schema);
  });

  it('takes a lock name MySQL accepts (64 characters at most) whatever the length of the database name', async () => {
    const short = await scratch();
    const [shortName] = await short.query(`SELECT ${LOCK} AS name, DATABASE() AS db`);
    // Unchanged for the names it always fitted, so instances of earlier versions still exclude each other.
    expect(shortName?.name).toBe(`vodkit_migrate:${shortName?.db}`);

    const name = `vodkit_test_${randomBytes(6).toString('hex')}_`.padEnd(64, 'x');
    const admin = await createConnection(serverUrl);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    try {
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      const pool = createPool({ uri: url.toString(), connectionLimit: 2 });
      pools.push(pool);
      const [[row]] = await pool.query<RowDataPacket[]>(`SELECT ${LOCK} AS name`);
      expect(String(row?.name).length).toBeLessThanOrEqual(64);
      expect(await migrate(pool)).toEqual(allVersions);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    }
  });
});
