import { Database, type SQLQueryBindings, type Statement } from 'bun:sqlite';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OpenSqlite, SqliteDriver, SqliteRow, SqliteStatement, SqliteValue } from '@vodkit/core';

/**
 * Why SQLite could not open `path`, in words, when the file system tells: SQLite says only
 * "unable to open database file" for a directory, a missing directory and a file it may not open.
 */
function cannotOpenReason(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'it is a directory';
    accessSync(path, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code !== 'ENOENT') return undefined;
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? `the directory ${dir} does not exist`
      : `cannot create it in ${dir}: permission denied`;
  }
}

/** SQLite's open failure with its reason (the command names the path); `code` and `errno` kept. */
function openError(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' ? cannotOpenReason(path) : undefined;
  if (!reason) return error;
  const clear = new Error(`unable to open database file: ${reason}`, { cause: error });
  return Object.assign(clear, { code, errno: (error as { errno?: unknown }).errno });
}

type Params = SQLQueryBindings[];

const statement = (prepared: Statement<SqliteRow, Params>): SqliteStatement => ({
  run: (...params: SqliteValue[]) => ({ changes: prepared.run(...params).changes }),
  // bun:sqlite answers null for no row; the driver interface (and better-sqlite3) undefined.
  get: (...params: SqliteValue[]) => prepared.get(...params) ?? undefined,
  all: (...params: SqliteValue[]) => prepared.all(...params),
});

/**
 * The SQLite store's driver on Bun, over `bun:sqlite`: `sqliteStore(openBunSqlite(path))`, or
 * `openSqlite: openBunSqlite` for `openVodkit` (the `vodkit-bun` command passes it). Creates the
 * file when missing. Errors are SQLite's (`code` `SQLITE_NOTADB`, "file is not a database", on the
 * first statement over a file that is not a database); a file that cannot be opened says why.
 */
export const openBunSqlite: OpenSqlite = (path: string): SqliteDriver => {
  let db: Database;
  try {
    db = new Database(path, { create: true, readwrite: true, strict: true });
  } catch (error) {
    throw openError(path, error);
  }
  return {
    name: 'bun:sqlite',
    exec: (sql) => {
      db.exec(sql);
    },
    prepare: (sql) => statement(db.prepare<SqliteRow, Params>(sql)),
    close: () => db.close(),
  };
};
