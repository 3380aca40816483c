import { randomUUID } from 'node:crypto';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { migrate } from '../src/node/mysql/migrate.js';
import { type Migration, migrations } from '../src/node/mysql/migrations.js';
import { mysqlStore } from '../src/node/mysql/mysql-store.js';
import type { Store } from '../src/store/types.js';
import { at, newComment, newSession, newUser, newVideo, orderedId } from './fixtures.js';

const allVersions = migrations.map((migration) => migration.version).sort((a, b) => a - b);

describeMysql('mysql store: migrations, persistence and indexes', (serverUrl) => {
  let db: TestDatabase;
  /** For the test's own queries, apart from the pools under test. */
  let admin: Pool;
  const pools: Pool[] = [];
  const stores: Store[] = [];

  const pool = () => {
    const opened = createPool({ uri: db.url, connectionLimit: 2, timezone: 'Z' });
    pools.push(opened);
    return opened;
  };
  const open = async () => {
    const store = await mysqlStore({ url: db.url });
    stores.push(store);
    return store;
  };
  const query = async (sql: string, params: unknown[] = []) => {
    const [rows] = await admin.query<RowDataPacket[]>(sql, params);
    return rows;
  };

  beforeEach(async () => {
    db = await freshDatabase(serverUrl);
    admin = pool();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => {});
    for (const opened of pools.splice(0)) await opened.end().catch(() => {});
    await db.drop();
  });

  it('records every migration in vodkit_migrations and applies nothing the second time', async () => {
    const conn = pool();
    expect(await migrate(conn)).toEqual(allVersions);

    const recorded = await query('SELECT version, name, applied_at FROM vodkit_migrations ORDER BY version');
    expect(recorded.map((row) => [row.version, row.name])).toEqual(
      [...migrations].sort((a, b) => a.version - b.version).map((migration) => [migration.version, migration.name]),
    );
    for (const row of recorded) expect(row.applied_at).toBeInstanceOf(Date);
    const tables = await query('SHOW TABLES');

    expect(await migrate(conn)).toEqual([]);
    expect(await query('SELECT version FROM vodkit_migrations')).toHaveLength(recorded.length);
    expect(await query('SHOW TABLES')).toEqual(tables);
  });

  it('applies a new migration once, after the ones already recorded', async () => {
    const conn = pool();
    await migrate(conn);
    const next: Migration = {
      version: Math.max(...allVersions) + 1,
      name: 'test extra table',
      statements: ['CREATE TABLE test_extra (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB'],
    };
    expect(await migrate(conn, [...migrations, next])).toEqual([next.version]);
    expect(await migrate(conn, [...migrations, next])).toEqual([]);
    expect(await query('SELECT name FROM vodkit_migrations WHERE version = ?', [next.version])).toEqual([
      { name: 'test extra table' },
    ]);
  });

  it('records nothing for a failed migration and releases the lock for the next instance', async () => {
    const first = pool();
    await migrate(first);
    const broken: Migration = { version: 900, name: 'broken', statements: ['THIS IS NOT SQL'] };
    await expect(migrate(first, [...migrations, broken])).rejects.toThrow();
    expect(await query('SELECT version FROM vodkit_migrations WHERE version = 900')).toEqual([]);

    // Another pool would wait LOCK_WAIT_SECONDS if the lock had not been released.
    const started = Date.now();
    expect(await migrate(pool())).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lets two instances migrate the same fresh database at the same time', async () => {
    const [first, second] = await Promise.all([migrate(pool()), migrate(pool())]);
    // The lock serialises them: one applies everything, the other finds it done.
    expect([...(first ?? []), ...(second ?? [])].sort((a, b) => a - b)).toEqual(allVersions);
    expect([first, second]).toContainEqual([]);
    expect(await query('SELECT version FROM vodkit_migrations')).toHaveLength(allVersions.length);
  });

  it('opens two stores on the same fresh database at the same time', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const alice = newUser('alice');
    expect(await a.users.create(alice, newSession(alice.id, at(1000)))).toBe('created');
    expect((await b.users.findByName('alice'))?.id).toBe(alice.id);
  });

  it('keeps users, sessions, videos, comments and the deletion queue across a restart', async () => {
    const before = await open();
    const alice = newUser('alice', at(-1));
    const session = newSession(alice.id, at(3_600_000));
    await before.users.create(alice, session);
    const video = newVideo(alice.id, at(1), { name: '🎬 夜', status: 'ready', size: 42, contentType: 'video/mp4' });
    const doomed = newVideo(alice.id, at(2));
    await before.videos.create(video);
    await before.videos.create(doomed);
    const comment = newComment(video.id, alice.id, at(3), { content: 'still here' });
    await before.comments.create(comment);
    await before.videos.markDeleted(doomed.id, at(4));
    await before.close();

    const after = await open();
    expect(await after.users.findByName('alice')).toEqual(alice);
    expect(await after.sessions.findActive(session.idHash, at(0))).toEqual({ ...session, userName: 'alice' });
    expect(await after.videos.find(video.id)).toEqual({ ...video, authorName: 'alice' });
    expect(await after.videos.find(doomed.id)).toBeUndefined();
    expect(await after.comments.listByVideo(video.id, { limit: 10 })).toEqual([{ ...comment, authorName: 'alice' }]);
    expect(await after.deletions.list(10)).toEqual([
      { videoId: doomed.id, attempts: 0, nextAttemptAt: at(4), dead: false, lastError: null },
    ]);
  });

  it('applies migration 2 to a database at version 1, keeping queued rows, and re-running it changes nothing', async () => {
    const conn = pool();
    const first = migrations.filter((migration) => migration.version === 1);
    expect(await migrate(conn, first)).toEqual([1]);
    await query('INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES (?, 3, ?)', [
      orderedId(1),
      at(5),
    ]);

    const upToTwo = migrations.filter((migration) => migration.version <= 2);
    expect(await migrate(conn, upToTwo)).toEqual([2]);
    const columns = async () => query('SHOW COLUMNS FROM video_del_rec');
    const indexes = async () => query('SHOW INDEX FROM video_del_rec');
    expect((await columns()).map((column) => column.Field)).toContain('dead');
    const schema = { columns: await columns(), indexes: await indexes() };

    // Every statement is safe to run again (as after a crash before the version was recorded).
    await query('DELETE FROM vodkit_migrations WHERE version = 2');
    expect(await migrate(conn, upToTwo)).toEqual([2]);
    expect(await migrate(conn, upToTwo)).toEqual([]);
    expect({ columns: await columns(), indexes: await indexes() }).toEqual(schema);
    expect(await query('SELECT version FROM vodkit_migrations ORDER BY version')).toEqual([
      { version: 1 },
      { version: 2 },
    ]);

    const store = await open();
    expect(await store.deletions.list(10)).toEqual([
      { videoId: orderedId(1), attempts: 3, nextAttemptAt: at(5), dead: false, lastError: null },
    ]);
    expect(await store.deletions.claim('a', at(5), 1000, 10)).toEqual([{ videoId: orderedId(1), attempts: 3 }]);
  });

  it('never hands one row to two stores claiming at the same time', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const queued = Array.from({ length: 200 }, () => randomUUID());
    for (let i = 0; i < queued.length; i += 20) {
      await Promise.all(queued.slice(i, i + 20).map((id, j) => a.deletions.enqueue(id, at(i + j))));
    }
    const now = at(1000);
    const drain = async (store: Store, owner: string) => {
      const claimed: string[] = [];
      let batches = 0;
      for (;;) {
        const batch = await store.deletions.claim(owner, now, 60_000, 20);
        if (batch.length === 0) return { claimed, batches };
        expect(batch.length).toBeLessThanOrEqual(20);
        batches++;
        claimed.push(...batch.map((claim) => claim.videoId));
      }
    };
    const [fromA, fromB] = await Promise.all([drain(a, 'owner-a'), drain(b, 'owner-b')]);

    const all = [...fromA.claimed, ...fromB.claimed];
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    expect([...all].sort()).toEqual([...queued].sort());
    // Both took part (each found rows the other had not locked).
    expect(fromA.batches).toBeGreaterThan(0);
    expect(fromB.batches).toBeGreaterThan(0);
    // The leases are live: neither store gets anything more until they expire.
    expect(await a.deletions.claim('owner-c', at(60_999), 60_000, 20)).toEqual([]);

    // Only the owner of each lease completes it.
    const results = await Promise.all([
      ...fromA.claimed.map((id) => b.deletions.complete(id, 'owner-b')),
      ...fromB.claimed.map((id) => a.deletions.complete(id, 'owner-a')),
    ]);
    expect(results.every((done) => !done)).toBe(true);
    const completed = await Promise.all([
      ...fromA.claimed.map((id) => a.deletions.complete(id, 'owner-a')),
      ...fromB.claimed.map((id) => b.deletions.complete(id, 'owner-b')),
    ]);
    expect(completed.every(Boolean)).toBe(true);
    expect(await a.deletions.counts()).toEqual({ queued: 0, dead: 0, deadIds: [] });
  });

  it('has an index for every lookup the store makes', async () => {
    await open();
    const statistics = await query(
      `SELECT TABLE_NAME AS tbl, INDEX_NAME AS idx, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
       ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    const indexes = new Map<string, { table: string; unique: boolean; columns: string[] }>();
    for (const row of statistics) {
      const key = `${row.tbl}.${row.idx}`;
      const index = indexes.get(key) ?? {
        table: String(row.tbl),
        unique: Number(row.nonUnique) === 0,
        columns: [] as string[],
      };
      index.columns.push(String(row.col));
      indexes.set(key, index);
    }
    /** An index serves a lookup when the lookup's columns are its leading columns, in order. */
    const served = (table: string, columns: string[], unique = false) =>
      [...indexes.values()].some(
        (index) =>
          index.table === table &&
          (!unique || index.unique) &&
          columns.every((column, i) => index.columns[i]?.toLowerCase() === column),
      );

    const lookups: [table: string, columns: string[], unique: boolean, why: string][] = [
      ['users', ['user_name'], true, 'users.findByName; one user per name'],
      ['users', ['id'], true, 'joins from sessions, videos and comments; users.delete'],
      ['sessions', ['id_hash'], true, 'sessions.findActive, extend, delete'],
      ['sessions', ['user_id', 'expires_at'], false, 'the sweep of expired sessions in sessions.create'],
      ['videos', ['id'], true, 'videos.find, markDeleted'],
      ['videos', ['author_id', 'created_at', 'id'], false, 'videos.listByAuthor pages; users.delete'],
      ['comments', ['video_id', 'created_at', 'id'], false, 'comments.listByVideo pages'],
      ['comments', ['author_id'], false, "removing a deleted user's comments"],
      ['video_del_rec', ['video_id'], true, 'queueing a video once'],
      ['video_del_rec', ['next_attempt_at'], false, 'deletions.list, soonest first'],
      ['video_del_rec', ['dead', 'next_attempt_at'], false, 'deletions.claim, due rows not dead'],
      ['video_del_rec', ['lease_owner'], false, 'deletions.release'],
      ['resumable_uploads', ['id'], true, 'uploads.find, acquire, checkpoint, delete'],
      ['resumable_uploads', ['video_id'], true, 'one upload per video; uploads.create replacing it'],
      ['resumable_uploads', ['expires_at'], false, 'uploads.expired, the earliest expired first'],
    ];
    const missing = lookups.filter(([table, columns, unique]) => !served(table, columns, unique));
    expect(missing.map(([table, columns, , why]) => `${table}(${columns.join(', ')}) for ${why}`)).toEqual([]);
  });

  it('applies migration 3 over names that already differ only in case, and again after a crash half way', async () => {
    const conn = pool();
    expect(
      await migrate(
        conn,
        migrations.filter((migration) => migration.version <= 2),
      ),
    ).toEqual([1, 2]);
    const lower = newUser('alice');
    const upper = newUser('Alice');
    for (const user of [lower, upper]) {
      await query('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
        user.id,
        user.userName,
        user.passwordHash,
        user.createdAt,
      ]);
    }
    const upToThree = migrations.filter((migration) => migration.version <= 3);
    expect(await migrate(conn, upToThree)).toEqual([3]);
    // As if the process died after the statements and before recording the version.
    await query('DELETE FROM vodkit_migrations WHERE version = 3');
    expect(await migrate(conn, upToThree)).toEqual([3]);

    const store = await open();
    expect((await store.users.findByName('alice'))?.id).toBe(lower.id);
    expect((await store.users.findByName('Alice'))?.id).toBe(upper.id);
    const third = newUser('ALICE');
    expect(await store.users.create(third, newSession(third.id, at(1000)))).toBe('exists');
  });
});
