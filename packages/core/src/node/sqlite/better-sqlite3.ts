import Database from 'better-sqlite3';
import type { OpenSqlite, SqliteRow } from '../../store/sqlite/driver.js';

/**
 * The SQLite driver on Node: better-sqlite3 (12.x), synchronous as the store wants it. Its native
 * addon loads with the first database opened, not with this module: the one built at install, or
 * the file `VODKIT_BETTER_SQLITE3_BINDING` names (an addon built for another Node's ABI, as
 * scripts/test-node24.sh does). Its errors carry SQLite's extended result code (`SQLITE_BUSY`,
 * `SQLITE_NOTADB`) as `code`, as the store expects.
 */
export const openBetterSqlite3: OpenSqlite = (path) => {
  const nativeBinding = process.env.VODKIT_BETTER_SQLITE3_BINDING;
  const db = new Database(path, nativeBinding ? { nativeBinding } : {});
  return {
    name: 'better-sqlite3',
    exec(sql) {
      db.exec(sql);
    },
    prepare(sql) {
      const statement = db.prepare<unknown[], SqliteRow>(sql);
      return {
        run: (...params) => ({ changes: statement.run(...params).changes }),
        get: (...params) => statement.get(...params),
        all: (...params) => statement.all(...params),
      };
    },
    close() {
      db.close();
    },
  };
};
