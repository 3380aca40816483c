import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStore, type Store, sqliteStore } from '@vodkit/core';
import { mysqlStore, openBetterSqlite3, scryptPasswords } from '@vodkit/core/node';
import { freshDatabase, type TestDatabase } from './mysql.js';

/** Cheap scrypt parameters: the tests exercise the hashing, not its cost. */
export const testPasswords = () => scryptPasswords({ N: 1024 });

/** How to open a store for one backend; every backend runs the same suites. */
export interface StoreKind {
  name: 'memory' | 'sqlite' | 'mysql';
  /** A new, empty store; `cleanup` removes whatever it left behind. */
  open(): Promise<{ store: Store; cleanup(): Promise<void>; url?: string }>;
}

export const memoryKind: StoreKind = {
  name: 'memory',
  async open() {
    const store = memoryStore();
    return { store, cleanup: () => store.close() };
  },
};

/** A SQLite store on a new file (WAL) in a temporary directory of its own, removed by cleanup. */
export const sqliteKind: StoreKind = {
  name: 'sqlite',
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'vodkit-sqlite-'));
    const path = join(dir, 'vodkit.db');
    const store = sqliteStore(openBetterSqlite3(path));
    return {
      store,
      url: `sqlite:${path}`,
      async cleanup() {
        await store.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const mysqlKind = (serverUrl: string): StoreKind => ({
  name: 'mysql',
  async open() {
    const db: TestDatabase = await freshDatabase(serverUrl);
    const store = await mysqlStore({ url: db.url });
    return {
      store,
      url: db.url,
      async cleanup() {
        await store.close().catch(() => {});
        await db.drop();
      },
    };
  },
});

/**
 * A MySQL database that outlives its servers: each open() connects to the same
 * database and cleanup only closes the pool, so a later server finds the rows.
 * The caller makes and drops the database (freshDatabase).
 */
export const mysqlDatabaseKind = (databaseUrl: string): StoreKind => ({
  name: 'mysql',
  async open() {
    const store = await mysqlStore({ url: databaseUrl });
    // vodkit.close() has closed the pool already, and a second pool.end() rejects.
    return { store, url: databaseUrl, cleanup: () => store.close().catch(() => {}) };
  },
});
