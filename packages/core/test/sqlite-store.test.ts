// What the SQLite store keeps beyond the shared suite (store.test.ts): its migrations, its pragmas,
// its file refused when it is not a database, and claims handed out once across connections.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVodkitError } from '../src/errors/vodkit-error.js';
import { openBetterSqlite3 } from '../src/node/sqlite/better-sqlite3.js';
import type { SqliteDriver } from '../src/store/sqlite/driver.js';
import { migrateSqlite, sqliteMigrations } from '../src/store/sqlite/migrations.js';
import { sqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { at, newUpload, newVideo, orderedId } from '../src/testing/fixtures.js';

let dir: string;
let path: string;
const opened: Store[] = [];
const drivers: SqliteDriver[] = [];

/** A store on the test's file; closed after the test. */
const open = (timeoutMs?: number) => {
  const store = sqliteStore(openBetterSqlite3(path), timeoutMs === undefined ? {} : { timeoutMs });
  opened.push(store);
  return store;
};

/** A bare connection to the test's file, to look at what the store left. */
const inspect = () => {
  const driver = openBetterSqlite3(path);
  drivers.push(driver);
  return driver;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vodkit-sqlite-test-'));
  path = join(dir, 'vodkit.db');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => {});
  for (const driver of drivers.splice(0)) driver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sqlite store: opening', () => {
  it('creates the file, applies the migrations once and records them', async () => {
    expect(existsSync(path)).toBe(false);
    await open().close();
    expect(existsSync(path)).toBe(true);
    const db = inspect();
    const recorded = db.prepare('SELECT version, name FROM vodkit_migrations ORDER BY version').all();
    expect(recorded).toEqual(sqliteMigrations.map(({ version, name }) => ({ version, name })));

    // Opened again (a restart, or a second process): nothing left to apply, nothing applied twice.
    const again = open();
    await again.users.findByName('nobody');
    expect(migrateSqlite(db)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM vodkit_migrations').get()?.n).toBe(sqliteMigrations.length);
  });

  it('has the tables and the indexes of the MySQL schema', async () => {
    await open().close();
    const db = inspect();
    const names = (type: string) =>
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .all(type)
        .map((row) => row.name);
    expect(names('table')).toEqual([
      'comments',
      'rate_limits',
      'resumable_uploads',
      'sessions',
      'users',
      'video_del_rec',
      'videos',
      'vodkit_migrations',
    ]);
    expect(names('index')).toEqual([
      'ix_comments_author',
      'ix_comments_video_page',
      'ix_rate_limits_expiry',
      'ix_resumable_uploads_expiry',
      'ix_sessions_expiry',
      'ix_sessions_user_expiry',
      'ix_video_del_rec_claim',
      'ix_video_del_rec_due',
      'ix_video_del_rec_owner',
      'ix_videos_author_page',
      'uq_resumable_uploads_video',
      'uq_users_user_name',
      'uq_users_user_name_key',
    ]);
  });

  it('runs in WAL mode with foreign keys on, synchronous NORMAL and the busy timeout it was given', async () => {
    // The store owns the driver; the test keeps a handle on it to read the connection's own settings.
    const driver = openBetterSqlite3(path);
    opened.push(sqliteStore(driver, { timeoutMs: 1234 }));
    const pragma = (name: string) => driver.prepare(`PRAGMA ${name}`).get();
    expect(pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(pragma('synchronous')).toEqual({ synchronous: 1 }); // NORMAL
    expect(pragma('busy_timeout')).toEqual({ timeout: 1234 });
    // WAL is the file's mode: every later connection finds it.
    expect(inspect().prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
  });

  it('upgrades a file at version 3, keeping its rows, to one with resumable uploads', async () => {
    const old = openBetterSqlite3(path);
    expect(
      migrateSqlite(
        old,
        sqliteMigrations.filter((migration) => migration.version === 3),
      ),
    ).toEqual([3]);
    const video = newVideo(orderedId(1), at(0));
    old
      .prepare('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(orderedId(1), 'alice', 'hash', 0);
    old
      .prepare('INSERT INTO videos (id, author_id, name, status, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(video.id, video.authorId, video.name, video.status, video.createdAt.getTime());
    old.close();

    const store = open();
    const recorded = inspect().prepare('SELECT version FROM vodkit_migrations ORDER BY version').all();
    expect(recorded).toEqual([{ version: 3 }, { version: 4 }]);
    expect((await store.videos.find(video.id))?.authorName).toBe('alice');
    const upload = newUpload(video.id);
    expect(await store.uploads.create(upload)).toEqual({ replaced: [] });
    expect(await store.uploads.find(upload.id, at(0))).toEqual(upload);
  });

  it('refuses a file that is not a SQLite database with SQLite’s one-line message', async () => {
    await writeFile(path, 'this is a video, not a database\n'.repeat(100));
    expect(() => open()).toThrow('file is not a database');
  });

  it('refuses a path it cannot open with one line', () => {
    path = join(dir, 'missing-directory', 'vodkit.db');
    expect(() => open()).toThrow(/directory does not exist/);
  });
});

describe('sqlite store: several connections on one file', () => {
  const LEASE = 60_000;

  it('hands each due deletion to one of two stores claiming at once, never to both', async () => {
    const seed = open();
    const ids = Array.from({ length: 60 }, (_, n) => orderedId(n));
    for (const id of ids) await seed.deletions.enqueue(id, at(0));
    const [a, b] = [open(), open()];
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).deletions.claim(`owner-${i % 2}`, at(1), LEASE, 2)),
    );
    const claimed = claims.flat().map((claim) => claim.videoId);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(ids);
    // Leased: neither store hands any of them out again before the lease ends.
    expect(await a.deletions.claim('owner-0', at(2), LEASE, 100)).toEqual([]);
    expect(await b.deletions.claim('owner-1', at(2), LEASE, 100)).toEqual([]);
  });

  it('commits a write when its call returns, in a turn that also read (reads share one transaction per turn)', async () => {
    const store = open();
    const other = inspect();
    const hits = () => other.prepare('SELECT hits FROM rate_limits WHERE bucket = ?').get('key')?.hits;
    // All in one turn of the event loop: the read opens the turn's read transaction, and the
    // upsert (INSERT … RETURNING, read back with `get`) must not run inside it.
    expect(await store.limits.count('key', at(0), 60_000)).toBe(0);
    expect(await store.limits.hit('key', at(0), 60_000)).toBe(1);
    expect(hits()).toBe(1);
    await store.users.findByName('nobody');
    expect(await store.limits.hit('key', at(0), 60_000)).toBe(2);
    expect(hits()).toBe(2);
  });

  it('answers 503 UNAVAILABLE with Retry-After when another connection holds the write lock past the timeout', async () => {
    const store = open(200);
    const holder = inspect();
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const refused = await store.deletions.enqueue(orderedId(1), at(0)).catch((error: unknown) => error);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(isVodkitError(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', status: 503, headers: { 'retry-after': '1' } });
    // Readers do not wait for the writer (WAL).
    expect(await store.deletions.list(10)).toEqual([]);
    holder.exec('COMMIT');
    await store.deletions.enqueue(orderedId(1), at(0));
    expect((await store.deletions.list(10)).map((row) => row.videoId)).toEqual([orderedId(1)]);
  });
});

describe('sqlite store: processes on one file (built package)', () => {
  const worker = fileURLToPath(new URL('./fixtures/sqlite-worker.mjs', import.meta.url));
  const built = fileURLToPath(new URL('../dist/node.js', import.meta.url));

  const run = (args: string[]) => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`pnpm build\` first.`);
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    return { child, exit, output: () => stdout, errors: () => stderr };
  };

  it('opens one new file from six processes started at once, every time', async () => {
    // As the services apart start: processes racing to create the file, switch it to WAL and
    // migrate it. A BUSY that SQLite answers at once rather than after its busy timeout is tried
    // again (seen once in CI; not reproduced on demand here, so this guards the race as a whole).
    for (let round = 0; round < 4; round += 1) {
      const file = join(dir, `race-${round}.db`);
      const workers = Array.from({ length: 6 }, (_, n) => run(['claim', file, `p${n}`, '0']));
      const codes = await Promise.all(workers.map((w) => w.exit));
      expect(codes, workers.map((w) => w.errors()).join('\n')).toEqual([0, 0, 0, 0, 0, 0]);
    }
  }, 60_000);

  it('hands each due deletion to exactly one of four processes claiming at once', async () => {
    const seed = open();
    const ids = Array.from({ length: 1500 }, (_, n) => orderedId(n));
    for (const id of ids) await seed.deletions.enqueue(id, at(0));
    const startAt = String(Date.now() + 1500);
    const workers = ['p1', 'p2', 'p3', 'p4'].map((owner) => run(['claim', path, owner, startAt]));
    const codes = await Promise.all(workers.map((w) => w.exit));
    expect(codes, workers.map((w) => w.errors()).join('\n')).toEqual([0, 0, 0, 0]);
    const perProcess = workers.map((w) => JSON.parse(w.output()) as string[]);
    const claimed = perProcess.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(ids);
    // They did claim side by side: each process got its share.
    expect(perProcess.every((rows) => rows.length > 0)).toBe(true);
  }, 30_000);

  it('keeps a write whose answer came back when its process is killed (SIGKILL) right after', async () => {
    open(); // the schema, before the child opens the file
    const writer = run(['register', path, 'durable']);
    while (!writer.output().includes('registered')) {
      if (writer.child.exitCode !== null) throw new Error(writer.errors());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    writer.child.kill('SIGKILL');
    await writer.exit;
    expect((await open().users.findByName('durable'))?.userName).toBe('durable');
  }, 20_000);
});
