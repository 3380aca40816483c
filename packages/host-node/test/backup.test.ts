import { once } from 'node:events';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBetterSqlite3 } from '@vodkit/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { bunCli, type CliRun, useCli } from '../../../test/support/cli.js';
import { call, register } from '../../../test/support/server.js';

const { run, listening } = useCli();
const bun = useCli(bunCli);
const dirs: string[] = [];
/** A new temporary directory, removed after the file. */
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vodkit-backup-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Finished = CliRun & { code: number | null };

/** Runs `vodkit backup …` to its end, its output read to the end too. */
const backup = async (args: string[], env: Record<string, string> = {}): Promise<Finished> => {
  const started = run(['backup', ...args], env);
  const [code] = await once(started.child, 'close');
  return Object.assign(started, { code: code as number | null });
};

/** A refusal: exit 2, one line on stderr that starts with `vodkit backup: `, nothing on stdout. */
const expectRefusal = (result: Finished, text: string) => {
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^vodkit backup: /);
  expect(lines[0]).toContain(text);
  expect(result.stdout).toBe('');
};

/** What PRAGMA integrity_check and foreign_key_check say of a database file: `ok` and no row. */
const checkDatabase = (file: string) => {
  const db = openBetterSqlite3(file);
  try {
    return {
      integrity: db.prepare('PRAGMA integrity_check').all(),
      foreignKeys: db.prepare('PRAGMA foreign_key_check').all(),
    };
  } finally {
    db.close();
  }
};

/** The ids of one table in a database file. */
const idsIn = (file: string, sql: string) => {
  const db = openBetterSqlite3(file);
  try {
    return new Set(
      db
        .prepare(sql)
        .all()
        .map((row) => String(Object.values(row)[0])),
    );
  } finally {
    db.close();
  }
};

interface Write {
  kind: 'user' | 'video' | 'comment';
  /** The user name, the video id or the comment id. */
  id: string;
  /** On the comments: the video it is on. */
  videoId?: string;
  /** performance.now() when the answer came back. */
  acknowledgedAt: number;
}

describe('vodkit backup', () => {
  it('copies a running instance consistently while it writes; the copy restores with every write made before it', async () => {
    const dataDir = tempDir();
    const backups = tempDir();
    const env = { VODKIT_DATA_DIR: dataDir, VODKIT_COMMENTS_PER_USER: 'off' };
    const server = run(['--port', '0'], env);
    const base = await listening(server);

    const writes: Write[] = [];
    const ack = (kind: Write['kind'], id: string, videoId?: string) =>
      writes.push({ kind, id, ...(videoId ? { videoId } : {}), acknowledgedAt: performance.now() });
    let writing = true;
    /** One writer: a user of its own, then videos and long comments on them until told to stop. */
    const writer = async (n: number) => {
      const user = await register(base, `writer${n}`);
      ack('user', user.userName);
      for (let i = 0; writing; i++) {
        if (i % 10 === 0) {
          const created = await call(base, 'POST', `/api/user/${user.userName}/videos`, {
            session: user.session,
            body: { name: `video ${n}.${i}` },
          });
          expect(created.status).toBe(201);
          ack('video', created.body.id);
        }
        const videos = writes.filter((write) => write.kind === 'video');
        const on = videos[i % videos.length] as Write;
        const comment = await call(base, 'POST', `/api/videos/${on.id}/comments`, {
          session: user.session,
          body: { content: `${n}.${i} ${'x'.repeat(1500)}` },
        });
        expect(comment.status).toBe(201);
        ack('comment', comment.body.id, on.id);
      }
    };
    const writers = [1, 2, 3, 4].map(writer);
    const taken: { file: string; startedAt: number; endedAt: number }[] = [];
    try {
      // Backups in a loop while the writers go on: each must hold every write acknowledged before it started.
      while (writes.filter((write) => write.kind === 'comment').length < 200) await sleep(20);
      for (let i = 0; i < 4; i++) {
        const file = join(backups, `vodkit-${i}.db`);
        const startedAt = performance.now();
        const result = await backup([file], env);
        const endedAt = performance.now();
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^vodkit backup: wrote ${file} \\([\\d.]+ (KiB|MiB)\\) from `));
        expect(result.stdout.trim().split('\n')).toHaveLength(1);
        taken.push({ file, startedAt, endedAt });
        await sleep(100);
      }
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    const lastAck = Math.max(...writes.map((write) => write.acknowledgedAt));
    // The writes went on through the backups, not only before them.
    expect(lastAck).toBeGreaterThan((taken.at(-1) as { endedAt: number }).endedAt);

    for (const { file, startedAt } of taken) {
      expect(checkDatabase(file)).toEqual({ integrity: [{ integrity_check: 'ok' }], foreignKeys: [] });
      // A single file: no -wal or -shm made beside it.
      expect(existsSync(`${file}-wal`) || existsSync(`${file}-shm`)).toBe(false);
      const before = writes.filter((write) => write.acknowledgedAt < startedAt);
      const have = {
        user: idsIn(file, 'SELECT user_name FROM users'),
        video: idsIn(file, 'SELECT id FROM videos'),
        comment: idsIn(file, 'SELECT id FROM comments'),
      };
      const missing = before.filter((write) => !have[write.kind].has(write.id));
      expect(missing, `${file}: writes acknowledged before the backup started`).toEqual([]);
    }

    // The restore: stop vodkit, put the backup in place of vodkit.db, remove the old WAL files, start.
    const restored = taken[1] as { file: string; startedAt: number; endedAt: number };
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    copyFileSync(restored.file, join(dataDir, 'vodkit.db'));
    rmSync(join(dataDir, 'vodkit.db-wal'), { force: true });
    rmSync(join(dataDir, 'vodkit.db-shm'), { force: true });
    const again = run(['--port', '0'], env);
    const url = await listening(again);

    const before = writes.filter((write) => write.acknowledgedAt < restored.startedAt);
    const after = writes.filter((write) => write.acknowledgedAt > restored.endedAt);
    expect(before.length).toBeGreaterThan(200);
    expect(after.length).toBeGreaterThan(0);
    for (const write of before) {
      if (write.kind === 'user') {
        expect((await call(url, 'GET', `/api/user/${write.id}/videos`)).status, write.id).toBe(200);
      } else if (write.kind === 'video') {
        expect((await call(url, 'GET', `/api/videos/${write.id}`)).status, write.id).toBe(200);
      }
    }
    // Every comment acknowledged before the backup, page after page; none made after it ended.
    const served = new Set<string>();
    for (const video of new Set(writes.filter((write) => write.kind === 'video').map((write) => write.id))) {
      let cursor: string | null = null;
      do {
        const page = await call(
          url,
          'GET',
          `/api/videos/${video}/comments?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        if (page.status === 404) break;
        expect(page.status).toBe(200);
        for (const comment of page.body.comments) served.add(comment.id);
        cursor = page.body.next_cursor;
      } while (cursor);
    }
    expect(before.filter((write) => write.kind === 'comment' && !served.has(write.id))).toEqual([]);
    expect(after.filter((write) => write.kind === 'comment' && served.has(write.id))).toEqual([]);
    // And the restored database takes writes.
    expect(
      (await call(url, 'POST', '/api/register', { body: { user_name: 'restored', pwd: 'password123' } })).status,
    ).toBe(201);
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
    expect(checkDatabase(join(dataDir, 'vodkit.db'))).toEqual({
      integrity: [{ integrity_check: 'ok' }],
      foreignKeys: [],
    });
  }, 120_000);

  it('refuses a target that exists, and leaves it as it was', async () => {
    const dataDir = tempDir();
    const server = run(['--port', '0', '--data-dir', dataDir]);
    await listening(server);
    const target = join(tempDir(), 'taken.db');
    writeFileSync(target, 'not mine');
    expectRefusal(await backup([target, '--data-dir', dataDir]), `${target} already exists`);
    expect(readFileSync(target, 'utf8')).toBe('not mine');
  });

  it.each([
    ['mysql://root:s3cret@127.0.0.1:3306/vodkit', 'mysqldump'],
    ['memory:', 'nothing to back up'],
  ])('refuses --database-url %s (%s)', async (url, text) => {
    const target = join(tempDir(), 'copy.db');
    const result = await backup([target, '--database-url', url]);
    expectRefusal(result, text);
    expect(result.stderr).not.toContain('s3cret');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a database that does not exist, and creates neither it nor the target', async () => {
    const dataDir = tempDir();
    const target = join(tempDir(), 'copy.db');
    expectRefusal(await backup([target], { VODKIT_DATA_DIR: dataDir }), `${join(dataDir, 'vodkit.db')} does not exist`);
    expect(existsSync(join(dataDir, 'vodkit.db'))).toBe(false);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a file that is not a vodkit database, and leaves no target behind', async () => {
    const dir = tempDir();
    const other = join(dir, 'other.db');
    const db = openBetterSqlite3(other);
    db.exec('CREATE TABLE t (x INTEGER)');
    db.close();
    const target = join(dir, 'copy.db');
    expectRefusal(await backup([target, '--database-url', `sqlite:${other}`]), 'not a vodkit database');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses no target or two, and unknown flags, with the usage', async () => {
    for (const args of [[], ['a.db', 'b.db'], ['a.db', '--port', '1']]) {
      expectRefusal(await backup(args), 'usage: vodkit backup <file>');
    }
  });

  it('is in --help', async () => {
    const help = run(['--help']);
    await once(help.child, 'close');
    expect(help.child.exitCode).toBe(0);
    expect(help.stdout).toContain('vodkit backup <file>');
    const own = run(['backup', '--help']);
    await once(own.child, 'close');
    expect(own.child.exitCode).toBe(0);
    expect(own.stdout).toMatch(/^Usage: vodkit backup <file>/);
  });
});

describe('vodkit-bun backup', () => {
  it('copies a running instance through bun:sqlite, and refuses a target that exists', async () => {
    const dataDir = tempDir();
    const server = bun.run(['--port', '0', '--data-dir', dataDir]);
    const base = await listening(server);
    const user = await register(base, 'bunny');
    const target = join(tempDir(), 'copy.db');
    for (const expected of [0, 2]) {
      const started = bun.run(['backup', target, '--data-dir', dataDir]);
      const [code] = await once(started.child, 'close');
      expect(code, started.stderr).toBe(expected);
      if (expected === 0) expect(started.stdout).toMatch(/^vodkit-bun backup: wrote /);
      else expect(started.stderr.trim()).toBe(`vodkit-bun backup: ${target} already exists: give a new file`);
    }
    expect(checkDatabase(target)).toEqual({ integrity: [{ integrity_check: 'ok' }], foreignKeys: [] });
    expect(idsIn(target, 'SELECT user_name FROM users')).toEqual(new Set([user.userName]));
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
