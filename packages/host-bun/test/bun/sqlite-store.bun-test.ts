// The store suite on bun:sqlite, and the driver's own promises, run by `bun test`
// (test/sqlite-store.test.ts starts it; vitest does not pick this file up). Bun's test runner maps
// the `vitest` imports, the suite's too, to bun:test. Everything comes from the built packages:
// run `pnpm build` first.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@vodkit/core';
import { storeSuite } from '@vodkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openBunSqlite } from '../../dist/index.js';

// Every database of the file lives under one temporary directory, removed at the end.
const root = mkdtempSync(join(tmpdir(), 'vodkit-bun-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const newDir = () => mkdtempSync(join(root, 'db-'));

storeSuite('sqlite on bun', {
  async open() {
    // A file, not :memory: — WAL, the busy timeout and the file's locks are what run in production.
    const store = sqliteStore(openBunSqlite(join(newDir(), 'vodkit.db')));
    return { store };
  },
});

describe('openBunSqlite', () => {
  it('binds positional parameters and reads no row as undefined', () => {
    const db = openBunSqlite(join(newDir(), 'a.db'));
    expect(db.name).toBe('bun:sqlite');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)');
    const insert = db.prepare('INSERT INTO t (name, data) VALUES (?, ?)');
    expect(insert.run('a', new Uint8Array([1, 2]))).toEqual({ changes: 1 });
    expect(insert.run('b', null)).toEqual({ changes: 1 });
    expect(db.prepare('SELECT name, data FROM t WHERE id = ?').get(1)).toEqual({
      name: 'a',
      data: new Uint8Array([1, 2]),
    });
    expect(db.prepare('SELECT name FROM t WHERE id = ?').get(99)).toBeUndefined();
    expect(db.prepare('SELECT name FROM t ORDER BY id').all()).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(db.prepare('UPDATE t SET name = ? WHERE id > ?').run('c', 0)).toEqual({ changes: 2 });
    db.close();
  });

  it("keeps SQLite's extended codes, as the store reads them", () => {
    const db = openBunSqlite(join(newDir(), 'a.db'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)');
    db.prepare('INSERT INTO t (id, name) VALUES (?, ?)').run(1, 'a');
    expect(() => db.prepare('INSERT INTO t (id, name) VALUES (?, ?)').run(2, 'a')).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    );
    expect(() => db.prepare('INSERT INTO t (id, name) VALUES (?, ?)').run(1, 'b')).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
    );
    db.close();
  });

  it('says "file is not a database" of a file that is not one', () => {
    const path = join(newDir(), 'junk.db');
    writeFileSync(path, new Uint8Array(8192).fill(7));
    const db = openBunSqlite(path);
    expect(() => db.exec('PRAGMA journal_mode = WAL')).toThrow(
      expect.objectContaining({ code: 'SQLITE_NOTADB', message: 'file is not a database' }),
    );
    db.close();
  });

  it('says why a path cannot be opened: a directory, a missing directory', () => {
    const dir = join(newDir(), 'dir.db');
    mkdirSync(dir);
    expect(() => openBunSqlite(dir)).toThrow(
      expect.objectContaining({ code: 'SQLITE_CANTOPEN', message: 'unable to open database file: it is a directory' }),
    );
    const missing = join(newDir(), 'no', 'such', 'a.db');
    expect(() => openBunSqlite(missing)).toThrow(
      expect.objectContaining({
        code: 'SQLITE_CANTOPEN',
        message: `unable to open database file: the directory ${join(missing, '..')} does not exist`,
      }),
    );
  });
});
