// Benchmark of the scheduler: deletions per second drained from a queue by one and by two scheduler
// processes, on SQLite (a file the processes share) and on MySQL.
//
//   pnpm build && pnpm bench:scheduler
//
// Each run, on a fresh database — a new SQLite file in the run's temporary directory, or a new
// database of the server VODKIT_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test):
//   1. creates the database and opens it once with its store (sqliteStore over better-sqlite3, or
//      mysqlStore), which applies the migrations;
//   2. seeds BENCH_DELETIONS (default 20,000) queued deletions in bulk: one user, that many `videos`
//      rows (status deleting) and `video_del_rec` rows (due, attempts 0) — multi-row INSERTs on
//      MySQL, prepared INSERTs in one transaction on SQLite — and writes that many small files
//      (BENCH_FILE_BYTES, default 1024) to <tmp>/run-*/videos/<uuid>;
//   3. forks K scheduler processes (bench/scheduler-worker.mjs: createVodkit with the scheduler
//      service alone on that store + fsStorage, intervalMs 100), waits until each has its store
//      open, tells them all to start, and times from then until `video_del_rec` is empty (polled
//      every 50 ms, on SQLite through a read connection of its own);
//   4. stops them gracefully and checks that no queue or video row is left, that the videos
//      directory is empty and that every file was deleted exactly once (count of successful
//      storage.delete calls across the processes);
//   5. drops the database (or removes the file) and the files.
// Runs go over BENCH_STORES (default "sqlite,mysql"; VODKIT_BENCH_MYSQL_URL=skip leaves MySQL out)
// × BENCH_PROCESSES (default "1,2") × BENCH_SETTINGS (batchSize/concurrency pairs, default
// "default,100/8,200/16"; "default" is the runner's own defaults), BENCH_RUNS times (default 3)
// interleaved — the stores one right after the other — and it prints, per store, markdown tables
// with the medians and the time spent per step (claim, file delete, complete) and CPU used by the
// workers and by mariadbd (MySQL only), then SQLite against MySQL round by round. Processes, files
// and databases are removed also on failure or Ctrl-C.
import { fork, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { perRound, range, sleep } from './lib.mjs';

const env = process.env;
const dist = fileURLToPath(new URL('../packages/core/dist/node.js', import.meta.url));
const workerScript = fileURLToPath(new URL('./scheduler-worker.mjs', import.meta.url));
const server = env.VODKIT_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const storeNames = { sqlite: 'SQLite', mysql: 'MySQL' };
const stores = [
  ...new Set(
    (env.BENCH_STORES ?? 'sqlite,mysql')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ),
].filter((name) => !(name === 'mysql' && server === 'skip'));
for (const name of stores) {
  if (!(name in storeNames)) {
    console.error(`bench: BENCH_STORES: unknown store "${name}" (sqlite, mysql)`);
    process.exit(1);
  }
}
if (stores.length === 0) {
  console.error('bench: no store left to measure (BENCH_STORES, VODKIT_BENCH_MYSQL_URL=skip)');
  process.exit(1);
}
const total = Number(env.BENCH_DELETIONS ?? 20_000);
const fileBytes = Number(env.BENCH_FILE_BYTES ?? 1024);
const runs = Number(env.BENCH_RUNS ?? 3);
const processCounts = (env.BENCH_PROCESSES ?? '1,2').split(',').map(Number);
const settings = (env.BENCH_SETTINGS ?? 'default,100/8,200/16').split(',').map((text) => {
  if (text === 'default') return { label: 'default (100/4)', batch: 'default', concurrency: 'default' };
  const [batch, concurrency] = text.split('/');
  return { label: `${batch}/${concurrency}`, batch, concurrency };
});
const timeoutMs = Number(env.BENCH_TIMEOUT ?? 300) * 1000;

if (!existsSync(dist)) {
  console.error(`bench: ${dist} is missing; run "pnpm build" first.`);
  process.exit(1);
}
const { mysqlStore, openBetterSqlite3 } = await import(dist);
const { sqliteStore } = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const { createConnection } = stores.includes('mysql') ? await import('mysql2/promise') : {};
// The workers load the built core afresh for each run: a rebuild in the middle would mix two versions.
const builtAt = () =>
  ['index.js', 'node.js']
    .map((file) => statSync(new URL(`../packages/core/dist/${file}`, import.meta.url)).mtimeMs)
    .join();
const build = builtAt();

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------- cleanup, whatever happens

const work = mkdtempSync(join(tmpdir(), 'vodkit-bench-scheduler-'));
const children = new Set();
const databases = new Set();
let admin;
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const name of databases) {
      try {
        await admin?.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } catch (error) {
        log(`could not drop database ${name}: ${error.message}`);
      }
    }
    databases.clear();
    await admin?.end().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}
process.on('exit', () => {
  // Last resort, synchronous: processes and files (databases need the async path above).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- measurements

/** CPU seconds (user+system) of every mariadbd/mysqld process, from /proc. */
function databaseCpuSeconds() {
  const pids = spawnSync('pidof', ['mariadbd', 'mysqld'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  let ticks = 0;
  for (const pid of pids.filter(Boolean)) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone or not readable
    }
  }
  return ticks / 100;
}

/**
 * A fresh MySQL database for one run, opened once with mysqlStore (the migrations), and a
 * connection to it that seeds, polls and checks; `drop()` removes it.
 */
async function mysqlDatabase() {
  const database = `vodkit_bench_sched_${randomBytes(6).toString('hex')}`;
  databases.add(database);
  await admin.query(`CREATE DATABASE \`${database}\``);
  const url = new URL(server);
  url.pathname = `/${database}`;
  let conn;
  const drop = async () => {
    await conn?.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    databases.delete(database);
  };
  try {
    const store = await mysqlStore({ url: url.href }); // applies the migrations
    await store.close();
    conn = await createConnection({ uri: url.href });
  } catch (error) {
    await drop();
    throw error;
  }
  const old = '2000-01-01 00:00:00.000';
  return {
    url: url.href,
    async seed(userId, userName, ids) {
      await conn.query('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
        userId,
        userName,
        'x',
        old,
      ]);
      for (let at = 0; at < ids.length; at += 2000) {
        const chunk = ids.slice(at, at + 2000);
        await conn.query('INSERT INTO videos (id, author_id, name, status, size, content_type, created_at) VALUES ?', [
          chunk.map((id) => [id, userId, 'bench', 'deleting', fileBytes, 'video/mp4', old]),
        ]);
        await conn.query('INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES ?', [
          chunk.map((id) => [id, 0, old]),
        ]);
      }
    },
    async left() {
      const [[{ left }]] = await conn.query('SELECT COUNT(*) AS `left` FROM video_del_rec');
      return Number(left);
    },
    async counts() {
      const [[counts]] = await conn.query(
        'SELECT (SELECT COUNT(*) FROM video_del_rec) AS queue, (SELECT COUNT(*) FROM videos) AS videos',
      );
      return { queue: Number(counts.queue), videos: Number(counts.videos) };
    },
    cpuSeconds: databaseCpuSeconds,
    drop,
  };
}

/**
 * A fresh SQLite file in the run's directory, opened once with sqliteStore (WAL, the migrations),
 * and a connection of its own (better-sqlite3) that seeds, polls and checks: in WAL mode its reads
 * never wait for the workers' writes. `drop()` closes it; the file goes with the run's directory.
 */
async function sqliteDatabase(dataDir) {
  const file = join(dataDir, 'vodkit.db');
  await sqliteStore(openBetterSqlite3(file)).close(); // WAL and the migrations
  const db = openBetterSqlite3(file);
  db.exec('PRAGMA busy_timeout = 10000');
  const old = Date.UTC(2000, 0, 1);
  const count = (table) => Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n);
  return {
    url: `sqlite:${file}`,
    async seed(userId, userName, ids) {
      const video = db.prepare(
        'INSERT INTO videos (id, author_id, name, status, size, content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const queued = db.prepare('INSERT INTO video_del_rec (video_id, attempts, next_attempt_at) VALUES (?, 0, ?)');
      db.exec('BEGIN IMMEDIATE');
      try {
        db.prepare('INSERT INTO users (id, user_name, password_hash, created_at) VALUES (?, ?, ?, ?)').run(
          userId,
          userName,
          'x',
          old,
        );
        for (const id of ids) {
          video.run(id, userId, 'bench', 'deleting', fileBytes, 'video/mp4', old);
          queued.run(id, old);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    left: async () => count('video_del_rec'),
    counts: async () => ({ queue: count('video_del_rec'), videos: count('videos') }),
    // No database server: SQLite runs inside the scheduler processes, in their CPU time.
    cpuSeconds: () => Number.NaN,
    async drop() {
      db.close();
    },
  };
}

/** Seeds `total` due deletions and their files; returns the videos directory. */
async function seed(database, dataDir) {
  const videos = join(dataDir, 'videos');
  mkdirSync(videos, { recursive: true });
  const ids = Array.from({ length: total }, () => randomUUID());
  await database.seed(randomUUID(), `bench_${randomBytes(4).toString('hex')}`, ids);
  const body = randomBytes(fileBytes);
  for (let at = 0; at < total; at += 256) {
    await Promise.all(ids.slice(at, at + 256).map((id) => writeFile(join(videos, id), body)));
  }
  return videos;
}

function startWorker(url, dataDir, setting) {
  const child = fork(workerScript, [url, dataDir, setting.batch, setting.concurrency], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const next = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(message);
      };
      const onExit = (code) => reject(new Error(`scheduler worker exited with ${code}: ${stderr.trim()}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    ready: next('ready'),
    go: () => child.send('go'),
    async stop() {
      const stopped = next('stopped');
      child.send('stop');
      const result = await stopped;
      await exited;
      children.delete(child);
      return result;
    },
  };
}

async function oneRun(store, setting, processes) {
  const dataDir = mkdtempSync(join(work, 'run-'));
  let database;
  try {
    database = store === 'sqlite' ? await sqliteDatabase(dataDir) : await mysqlDatabase();
    const videos = await seed(database, dataDir);
    const workers = Array.from({ length: processes }, () => startWorker(database.url, dataDir, setting));
    await Promise.all(workers.map((worker) => worker.ready));
    const load = loadavg()[0];
    const cpuBefore = database.cpuSeconds();
    const started = performance.now();
    for (const worker of workers) worker.go();
    for (;;) {
      const left = await database.left();
      if (left === 0) break;
      if (performance.now() - started > timeoutMs) throw new Error(`${left} deletions still queued after timeout`);
      for (const worker of workers) {
        if (worker.child.exitCode !== null) throw new Error(`a scheduler worker exited with ${worker.child.exitCode}`);
      }
      await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    const databaseCpu = database.cpuSeconds() - cpuBefore;
    const results = await Promise.all(workers.map((worker) => worker.stop()));
    const counts = await database.counts();
    const filesLeft = readdirSync(videos).length;
    const deleted = results.reduce((sum, result) => sum + result.stats.deleted, 0);
    const failed = results.reduce((sum, result) => sum + result.stats.failed, 0);
    const steps = {};
    for (const result of results) {
      for (const [name, step] of Object.entries(result.steps)) {
        steps[name] ??= { calls: 0, ms: 0, rows: 0 };
        steps[name].calls += step.calls;
        steps[name].ms += step.ms;
        steps[name].rows += step.rows;
      }
    }
    const problems = [];
    if (counts.queue !== 0) problems.push(`${counts.queue} queue rows left`);
    if (counts.videos !== 0) problems.push(`${counts.videos} video rows left`);
    if (filesLeft !== 0) problems.push(`${filesLeft} files left`);
    if (deleted !== total) problems.push(`${deleted} deletions counted for ${total} queued`);
    if (steps['file delete'].calls !== total) problems.push(`${steps['file delete'].calls} file deletes`);
    for (const result of results) problems.push(...result.errors);
    if (problems.length > 0) throw new Error(`check failed (${storeNames[store]}): ${problems.join('; ')}`);
    return {
      seconds,
      rate: total / seconds,
      load,
      failed,
      perProcess: results.map((result) => result.stats.deleted),
      workerCpu: results.reduce((sum, result) => sum + result.cpuSeconds, 0),
      databaseCpu,
      steps,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

const keyOf = (store, setting, processes) => `${store}|${setting.label}|${processes}`;
const plural = (processes) => `${processes} process${processes === 1 ? '' : 'es'}`;

/** The two tables of one store: deletions per second, then where the time goes. */
function printStore(store, results) {
  console.log(`\n### ${storeNames[store]}\n`);
  console.log('| batchSize/concurrency | processes | deletions/s (median) | runs | seconds (median) | load at start |');
  console.log('| --- | ---: | ---: | --- | ---: | ---: |');
  for (const setting of settings) {
    for (const processes of processCounts) {
      const list = results.get(keyOf(store, setting, processes));
      console.log(
        `| ${setting.label} | ${processes} | **${fmt(median(list.map((r) => r.rate)))}** | ` +
          `${list.map((r) => fmt(r.rate)).join(', ')} | ${median(list.map((r) => r.seconds)).toFixed(2)} | ` +
          `${range(
            list.map((r) => r.load),
            2,
          )} |`,
      );
    }
  }
  console.log(
    '\nWhere the time goes (median run of each row; per call, summed over the processes; CPU seconds per ' +
      `1,000 deletions${store === 'sqlite' ? '; SQLite runs inside the scheduler processes, no mariadbd' : ''}):\n`,
  );
  console.log(
    '| batchSize/concurrency | processes | claim ms (rows/claim) | file delete ms | complete ms | worker CPU s | mariadbd CPU s |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const setting of settings) {
    for (const processes of processCounts) {
      const list = results.get(keyOf(store, setting, processes));
      const mid = [...list].sort((a, b) => a.rate - b.rate)[Math.floor(list.length / 2)];
      const per = (name) => mid.steps[name].ms / Math.max(1, mid.steps[name].calls);
      const thousand = total / 1000;
      const databaseCpu = Number.isFinite(mid.databaseCpu) ? (mid.databaseCpu / thousand).toFixed(2) : '—';
      console.log(
        `| ${setting.label} | ${processes} | ${per('claim').toFixed(1)} (${fmt(mid.steps.claim.rows / Math.max(1, mid.steps.claim.calls), 0)}) | ` +
          `${per('file delete').toFixed(2)} | ${per('complete').toFixed(2)} | ${(mid.workerCpu / thousand).toFixed(2)} | ` +
          `${databaseCpu} |`,
      );
    }
  }
}

try {
  const versions = [];
  if (stores.includes('sqlite')) {
    const probe = openBetterSqlite3(':memory:');
    versions.push(`SQLite ${probe.prepare('SELECT sqlite_version() AS version').get().version} (better-sqlite3)`);
    probe.close();
  }
  if (stores.includes('mysql')) {
    admin = await createConnection({ uri: server });
    const [[{ version }]] = await admin.query('SELECT VERSION() AS version');
    versions.push(`MariaDB/MySQL ${version}`);
  }
  log(
    `${total} deletions per run, ${fileBytes}-byte files, ${runs} runs; stores ${stores.join(', ')}; ` +
      `processes ${processCounts.join(', ')}; batchSize/concurrency ${settings.map((setting) => setting.label).join(', ')}`,
  );
  const results = new Map();
  const loads = [];
  for (let run = 1; run <= runs; run++) {
    for (const setting of settings) {
      for (const processes of processCounts) {
        // The stores one right after the other, so that each round compares them under the same load.
        for (const store of stores) {
          if (builtAt() !== build) throw new Error('packages/core/dist was rebuilt during the benchmark; run it again');
          const key = keyOf(store, setting, processes);
          const result = await oneRun(store, setting, processes);
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(result);
          loads.push(result.load);
          log(
            `run ${run}, ${storeNames[store]}, ${setting.label}, ${plural(processes)}: ${fmt(result.rate)} deletions/s ` +
              `(${result.seconds.toFixed(2)} s; split ${result.perProcess.join('/')}; load ${result.load.toFixed(2)})`,
          );
        }
      }
    }
  }

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(
    `\n${availableParallelism()} cores (${cpu}), ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ` +
      `${versions.join(', ')}; ${fmt(total)} deletions per run, ${fileBytes}-byte files, medians of ${runs} runs; ` +
      `load average (1 min) at the start of the runs ${range(loads, 2)}`,
  );
  for (const store of stores) printStore(store, results);
  if (stores.includes('sqlite') && stores.includes('mysql')) {
    console.log('\n### SQLite against MySQL, round by round (deletions/s on SQLite ÷ on MySQL)\n');
    for (const setting of settings) {
      for (const processes of processCounts) {
        const rates = (store) => results.get(keyOf(store, setting, processes)).map((r) => r.rate);
        const ratios = perRound(rates('sqlite'), rates('mysql'));
        console.log(
          `- ${setting.label}, ${plural(processes)}: SQLite ${fmt(median(rates('sqlite')))}/s, MySQL ` +
            `${fmt(median(rates('mysql')))}/s: **${fmt(median(ratios), 2)}×** (median of ${ratios.length} rounds; ` +
            `${range(ratios, 2, '×')})`,
        );
      }
    }
  }
} catch (error) {
  console.error(`bench: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
