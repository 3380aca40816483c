import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { mysqlStore } from '../src/node/mysql/mysql-store.js';

const worker = fileURLToPath(new URL('./fixtures/scheduler-worker.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Worker {
  child: ChildProcess;
  log: string;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
}

describeMysql('scheduler processes on one MariaDB database', (serverUrl) => {
  let db: TestDatabase;
  let admin: Pool;
  let dataDir: string;
  const workers: Worker[] = [];

  beforeEach(async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`pnpm build\` first.`);
    db = await freshDatabase(serverUrl);
    // Migrates the fresh database, so the workers and the seeding find the tables.
    await (await mysqlStore({ url: db.url })).close();
    admin = createPool({ uri: db.url, connectionLimit: 2, timezone: 'Z' });
    dataDir = await mkdtemp(join(tmpdir(), 'vodkit-sched-'));
  });

  afterEach(async () => {
    for (const w of workers.splice(0))
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await admin.end();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (name: string, env: Record<string, string> = {}): Worker => {
    const log = join(dataDir, `${name}.log`);
    const child = spawn(process.execPath, [worker], {
      env: {
        PATH: process.env.PATH ?? '',
        WORKER_DATABASE_URL: db.url,
        WORKER_DATA_DIR: dataDir,
        WORKER_LOG: log,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w: Worker = { child, log, stdout: '', stderr: '', exit: once(child, 'exit').then(([code]) => code) };
    child.stdout?.on('data', (chunk) => {
      w.stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      w.stderr += chunk;
    });
    workers.push(w);
    return w;
  };

  const ready = (w: Worker) =>
    until(`worker ready (${w.stderr})`, async () => w.stdout.includes('ready\n') || w.child.exitCode !== null, 15_000);

  /** Stops a worker with SIGTERM and returns what it printed: its deletions, and the dead rows of /healthz. */
  const stop = async (w: Worker) => {
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    return JSON.parse(w.stdout.trim().split('\n').at(-1) ?? '{}') as { deleted: number; dead: number };
  };

  const logged = async (w: Worker) =>
    existsSync(w.log) ? (await readFile(w.log, 'utf8')).split('\n').filter(Boolean) : [];

  const count = async (table: string, where = '1') => {
    const [found] = await admin.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`);
    return Number(found[0]?.n);
  };

  /** `n` videos marked deleting, each with a small file; the queue rows come with `queue()`. */
  const seed = async (n: number) => {
    const userId = randomUUID();
    const now = new Date();
    await admin.query('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
      userId,
      'seeded',
      'x',
      now,
    ]);
    const ids = Array.from({ length: n }, () => randomUUID());
    for (let at = 0; at < n; at += 500) {
      const chunk = ids.slice(at, at + 500);
      await admin.query('INSERT INTO videos (id, author_id, name, status, size, content_type, created_at) VALUES ?', [
        chunk.map((id) => [id, userId, 'v', 'deleting', 16, 'video/mp4', now]),
      ]);
    }
    // The layout fsStorage uses: <dataDir>/videos/<uuid>.
    await mkdir(join(dataDir, 'videos'), { recursive: true });
    await Promise.all(ids.map((id) => writeFile(join(dataDir, 'videos', id), 'sixteen bytes!!!')));
    return ids;
  };
  const queueAll = () =>
    admin.query('INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) SELECT id, 0, ? FROM videos', [
      new Date(Date.now() - 1000),
    ]);

  it('two processes drain 2,000 deletions: every file gone, each deleted exactly once', async () => {
    const ids = await seed(2000);
    const a = start('a');
    const b = start('b');
    await Promise.all([ready(a), ready(b)]);

    const began = Date.now();
    await queueAll();
    await until('the queue drained', async () => (await count('video_del_rec')) === 0, 30_000);
    const tookMs = Date.now() - began;
    const [statsA, statsB] = await Promise.all([stop(a), stop(b)]);

    const [logA, logB] = await Promise.all([logged(a), logged(b)]);
    const all = [...logA, ...logB];
    expect(all).toHaveLength(2000);
    expect(new Set(all).size).toBe(2000);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(logA.length).toBeGreaterThan(0);
    expect(logB.length).toBeGreaterThan(0);
    expect(statsA.deleted + statsB.deleted).toBe(2000);
    expect(statsA.dead + statsB.dead).toBe(0);
    expect(await readdir(join(dataDir, 'videos'))).toEqual([]);
    expect(await count('videos')).toBe(0);
    expect(await count('video_del_rec')).toBe(0);
    console.info(
      `[scheduler] 2,000 deletions by two processes in ${tookMs} ms (${Math.round(2_000_000 / tookMs)}/s; a ${logA.length}, b ${logB.length})`,
    );
  });

  it('a process killed mid-batch loses its leases; another one finishes its work after they expire', async () => {
    const ids = await seed(60);
    const stuck = start('stuck', { WORKER_BLOCK: '1', WORKER_LEASE_MS: '1500' });
    await ready(stuck);
    await queueAll();
    // It claims the whole batch (batchSize 100) and starts deletions that never end.
    await until(
      'the stuck worker leased every row',
      async () => (await count('video_del_rec', 'lease_owner IS NOT NULL')) === 60,
      5000,
    );
    stuck.child.kill('SIGKILL');
    await stuck.exit;
    expect(await count('video_del_rec')).toBe(60);
    expect((await readdir(join(dataDir, 'videos'))).length).toBe(60);

    const killedAt = Date.now();
    const rescuer = start('rescuer', { WORKER_LEASE_MS: '1000' });
    await ready(rescuer);
    await until('the rescuer drained the queue', async () => (await count('video_del_rec')) === 0, 10_000);
    // Not before the dead process's lease ran out.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000);
    const stats = await stop(rescuer);
    expect(stats.deleted).toBe(60);
    expect(new Set(await logged(rescuer))).toEqual(new Set(ids));
    expect(await logged(stuck)).toEqual([]);
    expect(await readdir(join(dataDir, 'videos'))).toEqual([]);
    expect(await count('videos')).toBe(0);
  });
});
