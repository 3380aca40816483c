import { join, resolve } from 'node:path';

/** The file of the default store: `<data-dir>/vodkit.db`. */
export const DEFAULT_SQLITE_FILE = 'vodkit.db';

/** Which store a `--database-url` names. */
export type DatabaseTarget =
  | { kind: 'memory' }
  /** `path` as written: relative to the working directory, or absolute. */
  | { kind: 'sqlite'; path: string }
  | { kind: 'mysql'; url: string };

/** The forms `--database-url` takes, for error lines. */
export const DATABASE_URL_FORMS = 'sqlite:<path>, memory: or mysql://user:pass@host:3306/db';

/**
 * What a database URL names, or an Error whose message says what is wrong in one line (without
 * the flag's name: the caller adds it):
 * - `sqlite:<path>`: a SQLite file, the path as written after the colon (`sqlite:data/vodkit.db`,
 *   `sqlite:/var/lib/vodkit.db`), or `sqlite:///var/lib/vodkit.db` (absolute, URL style);
 * - `memory:`: the in-process store, gone when the process stops;
 * - `mysql://user:pass@host:port/db`: MySQL or MariaDB.
 */
export function parseDatabaseUrl(value: string): DatabaseTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  const rest = scheme === undefined ? '' : value.slice(scheme.length + 1);
  if (scheme === 'memory') {
    if (rest !== '') throw new Error(`memory: takes nothing after the colon (got "${value}")`);
    return { kind: 'memory' };
  }
  if (scheme === 'sqlite') {
    const path = rest.startsWith('///') ? rest.slice(2) : rest;
    if (path === '' || path.startsWith('//')) {
      throw new Error(
        `sqlite: takes a file path, as sqlite:data/vodkit.db or sqlite:///var/lib/vodkit.db (got "${value}")`,
      );
    }
    return { kind: 'sqlite', path };
  }
  if (scheme === 'mysql') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`must be a URL such as mysql://user:pass@host:3306/db (got "${value}")`);
    }
    if (!url.host) throw new Error(`must name a host, as in mysql://host:3306/vodkit (got "${value}")`);
    if (url.pathname.length <= 1) throw new Error('must name a database, as in mysql://host:3306/vodkit');
    return { kind: 'mysql', url: value };
  }
  throw new Error(`must be ${DATABASE_URL_FORMS} (got "${value}")`);
}

/**
 * The store to open: the URL's, or without one SQLite at `<dataDir>/vodkit.db`; a SQLite path made
 * absolute against the working directory.
 */
export function databaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  const target: DatabaseTarget = databaseUrl
    ? parseDatabaseUrl(databaseUrl)
    : { kind: 'sqlite', path: join(dataDir, DEFAULT_SQLITE_FILE) };
  return target.kind === 'sqlite' ? { kind: 'sqlite', path: resolve(target.path) } : target;
}
