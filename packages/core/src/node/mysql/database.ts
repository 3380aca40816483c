import type { PoolConnection, QueryError } from 'mysql2';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { isUnreachable, VodkitError } from '../../errors/vodkit-error.js';

/** One statement's parameters; `?` placeholders in order. */
export type Params = readonly unknown[];

/** What a statement runs on: the pool's connection of the moment, or a transaction's own. */
export interface Statements {
  /** A prepared statement's rows. */
  rows(sql: string, params?: Params): Promise<RowDataPacket[]>;
  /** A prepared statement that writes; how many rows it changed. */
  write(sql: string, params?: Params): Promise<ResultSetHeader>;
  /** A text-protocol query, for `IN (?)` with a list (prepared statements take scalars only). */
  query(sql: string, params?: Params): Promise<ResultSetHeader>;
}

export interface Database extends Statements {
  /**
   * Runs `work` in one transaction on one connection, committed when it resolves and rolled
   * back when it throws. Run again whole when InnoDB picked it as a deadlock victim.
   */
  transaction<T>(work: (tx: Statements) => Promise<T>, isolation?: 'READ COMMITTED'): Promise<T>;
  close(): Promise<void>;
}

const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const DEADLOCK_ATTEMPTS = 4;

/** The code of a command that our own timer ended. */
const TIMED_OUT = 'VODKIT_DATABASE_TIMEOUT';

/** The server's and our own ways of saying it cannot take a command now, beyond a lost connection. */
const SERVER_CODES = new Set(['ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', TIMED_OUT]);

/**
 * The connection cannot be used again: it is lost (mysql2 marks it `fatal`), the server refused
 * or is shutting down, or a statement on it timed out and what the server still sends there must
 * not be read as the answer to another one.
 */
const isBroken = (error: unknown): boolean =>
  isUnreachable(error) || SERVER_CODES.has(String((error as { code?: unknown }).code));

/** Busy past waiting: locks held too long even after retries. */
const isUnavailable = (error: unknown) => isBroken(error) || errnoOf(error) === ER_LOCK_WAIT_TIMEOUT;

const errnoOf = (error: unknown) => (error as { errno?: number }).errno;

/**
 * A mysql2 pool where nothing waits without end: getting a connection, connecting and each
 * statement are bounded by `timeoutMs`. Past it, or when the server is gone, the caller gets
 * vodkit's `503 UNAVAILABLE` with `Retry-After`, the connection involved is thrown away rather
 * than handed to the next caller, and the pool connects afresh on the next call: service
 * resumes by itself once the server answers again.
 */
export function createDatabase(pool: Pool, timeoutMs: number): Database {
  const retryAfter = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const unavailable = (cause: unknown) =>
    new VodkitError('UNAVAILABLE', {
      message: 'The database does not answer right now; retry shortly.',
      headers: { 'retry-after': retryAfter },
      cause,
    });

  // mysql2's callback API underneath its promise wrapper: the wrapper makes an object and
  // captures a stack for every connection and statement, a cost on every request.
  const core = pool.pool;

  /** A pooled connection within the timeout; one that arrives later goes straight back. */
  const acquire = () =>
    new Promise<PoolConnection>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(unavailable(new Error(`No database connection within ${timeoutMs} ms.`)));
      }, timeoutMs);
      core.getConnection((error, conn) => {
        clearTimeout(timer);
        if (error) {
          if (!late) reject(isUnavailable(error) || isPoolQueueFull(error) ? unavailable(error) : error);
        } else if (late) conn.release();
        else resolve(conn);
      });
    });

  /** Runs `use` on a connection of its own; a connection that failed or timed out is destroyed, not reused. */
  const withConnection = async <T>(use: (conn: PoolConnection) => Promise<T>): Promise<T> => {
    const conn = await acquire();
    let healthy = true;
    try {
      return await use(conn);
    } catch (error) {
      if (isBroken(error)) healthy = false;
      throw error;
    } finally {
      if (healthy) conn.release();
      else conn.destroy();
    }
  };

  /**
   * One command on `conn` within the timeout. mysql2's own `timeout` covers running a
   * statement but not preparing it, and a server that froze mid-prepare would hold the caller
   * for as long as it stays frozen; so the timer is ours, and when it fires the connection is
   * destroyed: nothing that arrives later on it can be read as another command's answer.
   */
  const bounded = <T>(conn: PoolConnection, method: 'execute' | 'query', sql: string, params: Params) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.destroy();
        reject(Object.assign(new Error(`No answer from the database within ${timeoutMs} ms.`), { code: TIMED_OUT }));
      }, timeoutMs);
      const settle = (error: QueryError | null, result: unknown) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(result as T);
      };
      if (method === 'execute') conn.execute(sql, params as never, settle);
      else conn.query(sql, params as never, settle);
    });

  const statementsOn = (conn: PoolConnection): Statements => ({
    rows: (sql, params = []) => bounded(conn, 'execute', sql, params),
    write: (sql, params = []) => bounded(conn, 'execute', sql, params),
    query: (sql, params = []) => bounded(conn, 'query', sql, params),
  });

  /** Errors as callers see them: unavailability as vodkit's 503, anything else as it came. */
  const translated = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof VodkitError) throw error;
      throw isUnavailable(error) ? unavailable(error) : error;
    }
  };

  const single = <K extends keyof Statements>(kind: K): Statements[K] =>
    ((sql: string, params?: Params) =>
      translated(() =>
        retryingDeadlocks(() => withConnection((conn) => statementsOn(conn)[kind](sql, params) as Promise<unknown>)),
      )) as Statements[K];

  return {
    rows: single('rows'),
    write: single('write'),
    query: single('query'),
    transaction: (work, isolation) =>
      translated(() =>
        retryingDeadlocks(() =>
          withConnection(async (conn) => {
            const tx = statementsOn(conn);
            if (isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
            await tx.query('START TRANSACTION');
            try {
              const result = await work(tx);
              await tx.query('COMMIT');
              return result;
            } catch (error) {
              // A connection that failed is destroyed by withConnection, which rolls back on the server.
              if (!isBroken(error)) await tx.query('ROLLBACK').catch(() => {});
              throw error;
            }
          }),
        ),
      ),
    close: () => pool.end(),
  };
}

const isPoolQueueFull = (error: unknown) => (error as Error).message === 'Queue limit reached.';

/**
 * Runs `work` again when InnoDB chose it as a deadlock victim (or it timed out waiting for a
 * lock): the transaction was rolled back whole, so trying again is safe, and with schedulers
 * claiming, completing and failing rows side by side a rare deadlock is a matter of timing.
 */
export async function retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const errno = errnoOf(error);
      if ((errno !== ER_LOCK_DEADLOCK && errno !== ER_LOCK_WAIT_TIMEOUT) || attempt >= DEADLOCK_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 * Math.random()));
    }
  }
}
