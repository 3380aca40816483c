import { mkdir } from 'node:fs/promises';
import { defaults } from '../defaults.js';
import type { ServiceName } from '../services.js';
import { memoryStore } from '../store/memory-store.js';
import type { OpenSqlite } from '../store/sqlite/driver.js';
import { sqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createVodkit, type Vodkit, type VodkitOptions } from '../vodkit.js';
import { busboyMultipart } from './busboy-multipart.js';
import { type DatabaseTarget, databaseTarget } from './database-url.js';
import { fsStorage } from './fs-storage.js';
import { mysqlStore } from './mysql/mysql-store.js';
import { scryptPasswords } from './scrypt-passwords.js';

/**
 * The SQLite driver to open files with: the host's (bun:sqlite on Bun), else better-sqlite3,
 * imported only now, so that a memory or MySQL user never loads its native addon.
 */
export const sqliteOpener = async (openSqlite?: OpenSqlite): Promise<OpenSqlite> =>
  openSqlite ?? (await import('./sqlite/better-sqlite3.js')).openBetterSqlite3;

/**
 * Opens the store a target names, migrations applied before this resolves. The SQLite driver
 * is the caller's, or better-sqlite3 (see `sqliteOpener`).
 */
async function openStore(target: DatabaseTarget, timeoutMs?: number, openSqlite?: OpenSqlite): Promise<Store> {
  const timeout = timeoutMs ? { timeoutMs } : {};
  switch (target.kind) {
    case 'memory':
      return memoryStore();
    case 'mysql':
      return mysqlStore({ url: target.url, ...timeout });
    case 'sqlite': {
      const open = await sqliteOpener(openSqlite);
      return sqliteStore(open(target.path), timeout);
    }
  }
}

/** `createVodkit`'s options, each with a Node default, and where the store and the files are. */
export interface OpenVodkitOptions extends Partial<Omit<VodkitOptions, 'store' | 'services'>> {
  /**
   * `sqlite:<path>` (relative to the working directory, or `sqlite:///abs/path`), `memory:` (in
   * this process only, gone when it stops) or `mysql://user:pass@host:port/db`. None: SQLite at
   * `<dataDir>/vodkit.db`, the directory created if missing.
   */
  databaseUrl?: string | undefined;
  /** How a SQLite file is opened. Default: better-sqlite3 (Node); the Bun host passes bun:sqlite's. */
  openSqlite?: OpenSqlite;
  /** Default: `defaults.services`, all three. */
  services?: readonly ServiceName[];
  /** Where video files go (`<dataDir>/videos`), and the default SQLite file. Default: `defaults.dataDir`. */
  dataDir?: string;
  /**
   * Bounds the connect, the wait for a pooled connection and each query of MySQL; on SQLite, the
   * wait for another process's write lock. Default: `defaults.databaseTimeoutMs`.
   */
  databaseTimeoutMs?: number;
}

/**
 * vodkit with Node's defaults: scrypt passwords, the store the database URL
 * names, video files under the data directory, multipart through busboy.
 */
export async function openVodkit(options: OpenVodkitOptions = {}): Promise<Vodkit> {
  const {
    databaseUrl,
    databaseTimeoutMs,
    openSqlite,
    dataDir = defaults.dataDir,
    services = defaults.services,
    ...rest
  } = options;
  const target = databaseTarget(databaseUrl, dataDir);
  // The default store's file lives in the data directory, made here if missing.
  if (!databaseUrl) await mkdir(dataDir, { recursive: true });
  const needsFiles = services.includes('stream') || services.includes('scheduler');
  const storage = needsFiles ? (rest.storage ?? (await fsStorage(dataDir))) : rest.storage;
  return createVodkit({
    multipart: busboyMultipart,
    ...rest,
    services,
    ...(storage ? { storage } : {}),
    store: await openStore(target, databaseTimeoutMs, openSqlite),
    passwords: rest.passwords ?? scryptPasswords(),
  });
}
