// The few synchronous calls the SQLite store makes, so one adapter (its SQL, its migrations, its
// tests) serves every runtime: better-sqlite3 on Node, bun:sqlite on Bun.

/** A value bound to a `?` of a statement, or read from a column. */
export type SqliteValue = string | number | bigint | Uint8Array | null;

/** A row read by a statement: its columns by name. */
export type SqliteRow = Record<string, SqliteValue>;

/** A prepared statement; its parameters are positional (`?`) only, as the two drivers name others differently. */
export interface SqliteStatement {
  /** Runs the statement; the number of rows it changed. */
  run(...params: SqliteValue[]): { changes: number };
  /** The first row, or undefined (not null: bun:sqlite's null is mapped by its driver). */
  get(...params: SqliteValue[]): SqliteRow | undefined;
  all(...params: SqliteValue[]): SqliteRow[];
}

/**
 * One connection to a SQLite file, synchronous, as `sqliteStore` uses it: better-sqlite3 on Node
 * (`openBetterSqlite3`), bun:sqlite on Bun. A failure is thrown as an `Error` whose `code` is
 * SQLite's name for its (extended) result code, as both libraries do (`SQLITE_BUSY`,
 * `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_NOTADB`): the store reads nothing else of it.
 */
export interface SqliteDriver {
  /** Which library this is, for logs and `/healthz`: `better-sqlite3`, `bun:sqlite`. */
  readonly name: string;
  /** Runs one or more statements without parameters (pragmas, migrations). */
  exec(sql: string): void;
  /** A prepared statement, made once and reused. */
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** Opens (creating when missing) the database file at `path`. */
export type OpenSqlite = (path: string) => SqliteDriver;
