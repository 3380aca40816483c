import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpenSqlite, SqliteDriver } from '../store/sqlite/driver.js';
import { BackupRefused, backupSqlite } from './backup.js';
import { openBetterSqlite3 } from './sqlite/better-sqlite3.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vodkit-backup-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A vodkit-looking database: the migrations table and one row elsewhere. */
const makeSource = (path: string) => {
  const db = openBetterSqlite3(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('CREATE TABLE vodkit_migrations (version INTEGER PRIMARY KEY); CREATE TABLE t (x TEXT)');
  db.prepare('INSERT INTO t (x) VALUES (?)').run('kept');
  return db;
};

describe('backupSqlite', () => {
  it('copies the committed rows, the WAL included, into one file that is a database of its own', () => {
    const source = join(dir, 'vodkit.db');
    const live = makeSource(source); // still open: the row is in the WAL, not yet in vodkit.db
    const target = join(dir, 'copy.db');
    const bytes = backupSqlite(openBetterSqlite3, source, target);
    live.close();
    expect(bytes).toBe(readFileSync(target).length);
    const copy = openBetterSqlite3(target);
    expect(copy.prepare('SELECT x FROM t').all()).toEqual([{ x: 'kept' }]);
    copy.close();
  });

  it('opens nothing for a missing source or a target that exists', () => {
    const open = vi.fn<OpenSqlite>();
    expect(() => backupSqlite(open, join(dir, 'missing.db'), join(dir, 'copy.db'))).toThrow(BackupRefused);
    expect(existsSync(join(dir, 'missing.db'))).toBe(false);
    const source = join(dir, 'vodkit.db');
    makeSource(source).close();
    const target = join(dir, 'taken.db');
    writeFileSync(target, 'mine');
    expect(() => backupSqlite(open, source, target)).toThrow(/already exists/);
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(open).not.toHaveBeenCalled();
  });

  it('removes what a failed copy wrote, and closes the database', () => {
    const source = join(dir, 'vodkit.db');
    makeSource(source).close();
    const target = join(dir, 'copy.db');
    let closed = false;
    const failing: OpenSqlite = (path) => {
      const real = openBetterSqlite3(path);
      return {
        ...real,
        prepare: (sql) => {
          if (!sql.startsWith('VACUUM')) return real.prepare(sql);
          writeFileSync(target, 'half a database');
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        },
        close: () => {
          closed = true;
          real.close();
        },
      } satisfies SqliteDriver;
    };
    expect(() => backupSqlite(failing, source, target)).toThrow('database or disk is full');
    expect(existsSync(target)).toBe(false);
    expect(closed).toBe(true);
  });
});
