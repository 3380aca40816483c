import { VodkitError } from '../../errors/vodkit-error.js';
import type { SqliteDriver, SqliteRow, SqliteStatement, SqliteValue } from './driver.js';

/**
 * The driver as the repositories use it: statements prepared once, one transaction at a time,
 * failures said the way vodkit answers them. Everything is synchronous: a method of the store
 * runs its statements, and its transaction from BEGIN to COMMIT, without yielding, so nothing
 * else of this process interleaves with it; other processes wait on SQLite's lock.
 */
export interface Database {
  /** Runs a statement; how many rows it changed. */
  run(sql: string, ...params: SqliteValue[]): number;
  get(sql: string, ...params: SqliteValue[]): SqliteRow | undefined;
  all(sql: string, ...params: SqliteValue[]): SqliteRow[];
  /** `work` between BEGIN IMMEDIATE and COMMIT (the write lock taken first), rolled back when it throws. */
  transaction<T>(work: () => T): T;
  /** One call of the store: refused once closed; SQLite's "busy" and I/O failures become 503. */
  call<T>(work: () => T): Promise<T>;
  close(): void;
}

/** The extended code of a driver's error, `SQLITE_CONSTRAINT_UNIQUE`; '' for anything else. */
export const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};

/** A row that breaks a unique index or the primary key: what MySQL calls a duplicate entry. */
export const isDuplicate = (error: unknown) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(codeOf(error));

/**
 * SQLite cannot serve now, though it may later: another process held the lock past the busy
 * timeout (BUSY, LOCKED), or the disk failed or filled (IOERR, FULL), or a file it needs cannot
 * be opened (CANTOPEN: the WAL or its directory made unwritable under it).
 */
const isUnavailable = (error: unknown) => /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/.test(codeOf(error));

/** `work` between BEGIN IMMEDIATE and COMMIT, rolled back when it throws. */
export function immediate<T>(driver: SqliteDriver, work: () => T): T {
  driver.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    driver.exec('COMMIT');
    return result;
  } catch (error) {
    // SQLite may have rolled back already (a full disk, an I/O error): nothing is left to undo then.
    try {
      driver.exec('ROLLBACK');
    } catch {}
    throw error;
  }
}

/** Runs `task` once the current turn of the event loop is over: after its I/O callbacks, on Node and Bun. */
const afterThisTurn: (task: () => void) => void =
  (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate ?? ((task) => setTimeout(task, 0));

/** A prepared statement, and whether it only reads (a SELECT). */
interface Prepared {
  statement: SqliteStatement;
  reads: boolean;
}

export function createDatabase(driver: SqliteDriver, timeoutMs: number): Database {
  const statements = new Map<string, Prepared>();
  const retryAfter = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  let closed = false;

  const prepared = (sql: string): Prepared => {
    let entry = statements.get(sql);
    if (!entry) {
      entry = { statement: driver.prepare(sql), reads: /^\s*SELECT\b/i.test(sql) };
      statements.set(sql, entry);
    }
    return entry;
  };

  const translated = (error: unknown) =>
    isUnavailable(error)
      ? new VodkitError('UNAVAILABLE', {
          message: 'The database is busy or cannot be written right now; retry shortly.',
          headers: { 'retry-after': retryAfter },
          cause: error,
        })
      : error;

  // Each statement outside a transaction is a transaction of its own, and in WAL mode beginning
  // and ending one costs two file-lock system calls: more than the lookup it wraps (2.3 of 4 µs
  // for a video by id). So the reads of one turn of the event loop share one read transaction,
  // ended when the turn is over; a write ends it first, so this process always reads its own
  // writes, and other processes' writes are seen from the next turn on.
  let reading = false;
  let writing = false;
  const endRead = () => {
    if (!reading) return;
    reading = false;
    prepared('COMMIT').statement.run();
  };
  /**
   * `use` of the statement for `sql`: a SELECT inside the turn's read transaction (begun if need
   * be), anything else, `INSERT … RETURNING` included, after it, so that a write commits when
   * its call returns rather than when the turn ends.
   */
  const query = <T>(sql: string, use: (statement: SqliteStatement) => T): T => {
    const { statement, reads } = prepared(sql);
    if (!reads) endRead();
    else if (!reading && !writing) {
      prepared('BEGIN').statement.run();
      reading = true;
      afterThisTurn(endRead);
    }
    try {
      return use(statement);
    } catch (error) {
      if (reading) {
        reading = false;
        try {
          driver.exec('ROLLBACK');
        } catch {}
      }
      throw error;
    }
  };

  return {
    run: (sql, ...params) => query(sql, (statement) => statement.run(...params)).changes,
    get: (sql, ...params) => query(sql, (statement) => statement.get(...params)),
    all: (sql, ...params) => query(sql, (statement) => statement.all(...params)),
    transaction: (work) => {
      endRead();
      writing = true;
      try {
        return immediate(driver, work);
      } finally {
        writing = false;
      }
    },
    async call(work) {
      if (closed) throw new Error('The SQLite store is closed.');
      try {
        return work();
      } catch (error) {
        throw translated(error);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      endRead();
      statements.clear();
      driver.close();
    },
  };
}
