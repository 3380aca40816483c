// Benchmark of the API service against bare servers doing the same work, in the same run, interleaved.
//
//   pnpm build && pnpm bench:api
//
// Targets, each its own process started here and stopped at the end (also on failure or Ctrl-C):
//   - vodkit on the Node host, memory store        vs  bare node:http answering the same bytes
//   - vodkit on the Node host, MariaDB             vs  bare node:http + mysql2 running the same SQL
//   - vodkit on the Bun host, memory store         vs  bare Bun.serve answering the same bytes
//   - vodkit on the Node host, SQLite (a file in the work dir, the default store), measured in the
//     same rounds and compared with the memory store (get, list) and with MariaDB (comment)
// (baselines in bench/baselines/). The MariaDB pair shares a fresh database made on
// VODKIT_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test) and dropped at the end; "skip"
// leaves that pair out.
//
// Workloads, each on one user with 25 videos (seeded through vodkit's API):
//   get      GET /api/videos/:vid
//   list     GET /api/user/:user_name/videos?limit=20
//   comment  POST /api/videos/:vid/comments, X-Session-Id and {"content": "…"}: the session is
//            checked, then a row inserted. vodkit runs with `--comments-per-user off`, which lifts
//            the per-user comment limit (30/1m by default) and with it the limit's statements.
//
// Before measuring, each baseline's answer is checked against its vodkit's: the same bytes for the
// GETs, the same status, keys and size for a comment. Then, after a short warm-up of each target
// on each workload, BENCH_RUNS rounds, each running every workload on every target one after the
// other (the order reversed every other round), so that a vodkit and its baseline see the same
// machine; ratios are taken round by round. The client is wrk, one thread (autocannon without it).
//
// Settings: BENCH_DURATION (seconds per measurement, 10), BENCH_RUNS (3), BENCH_CONNECTIONS (50),
// BENCH_WARMUP (seconds, 2), VODKIT_BENCH_MYSQL_URL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import * as lib from './lib.mjs';

const duration = lib.numberSetting('BENCH_DURATION', 10);
const runs = lib.numberSetting('BENCH_RUNS', 3);
const connections = lib.numberSetting('BENCH_CONNECTIONS', 50);
const warmup = Math.min(lib.numberSetting('BENCH_WARMUP', 2), duration);
const mysqlServer = process.env.VODKIT_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const USER = 'bench_user';
const VIDEOS = 25;
const COMMENT = JSON.stringify({ content: 'A comment from the benchmark, about this long.' });

/** vodkit's flags here: the API alone, the comment limit lifted. */
const vodkitArgs = (dataDir) => ['--services', 'api', '--data-dir', dataDir, '--comments-per-user', 'off'];

/** A fresh database on the server, dropped at the end whatever happens; its URL. */
async function freshDatabase(serverUrl) {
  const name = `vodkit_bench_api_${Math.random().toString(16).slice(2, 10)}`;
  const admin = await createConnection(serverUrl);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  lib.onCleanup(async () => {
    const dropper = await createConnection(serverUrl);
    await dropper.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await dropper.end();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A vodkit target: started, seeded with one user and VIDEOS videos; what the workloads need. */
async function vodkitTarget(label, host, database, dataDir) {
  const server = await lib.startVodkit({ host, database, args: vodkitArgs(dataDir) });
  const session = await lib.registerUser(server.base, USER);
  let video;
  for (let i = 0; i < VIDEOS; i += 1) video = await lib.createVideo(server.base, USER, session, `Benchmark video ${i}`);
  return { label, base: server.base, session, vid: video.id };
}

/** The request of a workload on a target. */
const workloads = [
  { key: 'get', title: 'GET /api/videos/:vid', request: (t) => ({ path: `/api/videos/${t.vid}` }) },
  {
    key: 'list',
    title: `GET /api/user/:user_name/videos?limit=20 (${VIDEOS} videos seeded)`,
    request: () => ({ path: `/api/user/${USER}/videos?limit=20` }),
  },
  {
    key: 'comment',
    title: 'POST /api/videos/:vid/comments (X-Session-Id, JSON body)',
    request: (t) => ({
      path: `/api/videos/${t.vid}/comments`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Session-Id': t.session },
      body: COMMENT,
    }),
  },
];

/** A baseline started from `script` with its config in a file; it serves the paths of `like`. */
async function baselineTarget(label, command, script, config, like, dir) {
  const port = await lib.freePort();
  const file = join(dir, `${script.replace(/\W/g, '_')}-${port}.json`);
  writeFileSync(file, JSON.stringify({ ...config, port }));
  const proc = lib.startProcess(command, [`bench/baselines/${script}`, file]);
  const base = `http://127.0.0.1:${port}`;
  await lib.waitForHttp(`${base}/healthz`, proc, label, (response) => response.ok);
  return { ...like, label, base };
}

/** The memory baselines' config: vodkit's answers to the GET workloads, and its session and video. */
async function memoryConfig(target) {
  const routes = {};
  for (const { key, request } of workloads) {
    if (key === 'comment') continue;
    const { path } = request(target);
    const answer = await lib.fetchAnswer(target.base + path);
    if (answer.status !== 200) throw new Error(`${target.label}: GET ${path} answered ${answer.status}`);
    routes[path] = { contentType: answer.contentType, body: answer.body.toString('utf8') };
  }
  const comment = {
    path: `/api/videos/${target.vid}/comments`,
    videoId: target.vid,
    sessions: { [target.session]: USER },
  };
  return { routes, comment };
}

/** Sends a workload's request once. */
const once = (target, workload) => {
  const { path, method = 'GET', headers, body } = workload.request(target);
  return lib.fetchAnswer(target.base + path, { method, headers, body });
};

/** Differences between what a baseline and its vodkit answer, as lines; none when they match. */
async function compareAnswers(pair) {
  const problems = [];
  for (const workload of workloads) {
    const [mine, theirs] = await Promise.all([once(pair.vodkit, workload), once(pair.baseline, workload)]);
    const same =
      workload.key === 'comment'
        ? mine.status === 201 &&
          theirs.status === 201 &&
          mine.body.byteLength === theirs.body.byteLength &&
          Object.keys(JSON.parse(mine.body)).join() === Object.keys(JSON.parse(theirs.body)).join()
        : mine.status === 200 && mine.body.equals(theirs.body) && mine.contentType === theirs.contentType;
    if (!same) {
      problems.push(
        `${pair.baseline.label} vs ${pair.vodkit.label}, ${workload.key}: ${theirs.status} ${theirs.contentType} ` +
          `${theirs.body.byteLength} bytes vs ${mine.status} ${mine.contentType} ${mine.body.byteLength} bytes\n` +
          `    baseline: ${theirs.body.toString('utf8').slice(0, 300)}\n    vodkit:   ${mine.body.toString('utf8').slice(0, 300)}`,
      );
    }
  }
  return problems;
}

/**
 * SQLite against the stores measured in the same rounds: reads against the memory store (the
 * file adds a query per request), the comment (session check and insert, a commit each) against
 * MariaDB.
 */
function printSqlite(results, sqlite, pairs) {
  const vodkitOf = (label) => pairs.find((pair) => pair.vodkit.label === label)?.vodkit;
  const comparisons = [
    { key: 'get', other: vodkitOf('vodkit Node, memory'), goal: ['>=', 0.8] },
    { key: 'list', other: vodkitOf('vodkit Node, memory') },
    { key: 'comment', other: vodkitOf('vodkit Node, MariaDB'), goal: ['>=', 1] },
  ].filter((row) => row.other);
  console.log('\n### SQLite (Node host) against the other stores, same rounds\n');
  const rows = comparisons.map(({ key, other, goal }) => {
    const mine = results.get(sqlite)[key];
    const theirs = results.get(other)[key];
    const ratios = lib.perRound(
      mine.map((r) => r.rps),
      theirs.map((r) => r.rps),
    );
    const [ratio, spread, target, verdict] = lib.ratioCells(ratios, goal ?? ['>=', 0]);
    return [
      key,
      ...lib.roundCells(mine, 'rps'),
      other.label,
      ratio,
      spread,
      goal ? target : 'reported',
      goal ? verdict : '',
    ];
  });
  lib.printTable(
    [
      'workload',
      'req/s',
      'min–max',
      'p50',
      'p99',
      'errors / non-2xx',
      'against',
      'ratio',
      'min–max',
      'target',
      'verdict',
    ],
    rows,
  );
}

async function main() {
  lib.requireBuilt(lib.nodeCli, lib.bunCli);
  const client = lib.loadClient();
  const dir = lib.workDir('vodkit-bench-api-');
  lib.log(`${lib.machineLine()}; client ${client.name}; work dir ${dir}`);

  // The pairs, in the order they are measured in a round.
  const specs = [
    { vodkit: 'vodkit Node, memory', host: 'node', baseline: 'bare node:http, same bytes', goal: 0.4 },
    {
      vodkit: 'vodkit Node, MariaDB',
      host: 'node',
      mysql: true,
      baseline: 'bare node:http + mysql2, same SQL',
      goal: 0.8,
    },
    { vodkit: 'vodkit Bun, memory', host: 'bun', baseline: 'bare Bun.serve, same bytes', goal: 0.4 },
  ].filter((spec) => !(spec.mysql && mysqlServer === 'skip'));
  const pairs = [];
  for (const spec of specs) {
    const database = spec.mysql ? await freshDatabase(mysqlServer) : 'memory';
    const vodkit = await vodkitTarget(spec.vodkit, spec.host, database, join(dir, String(pairs.length)));
    const config = spec.mysql ? { databaseUrl: database } : await memoryConfig(vodkit);
    const [runtime, script] = spec.host === 'bun' ? [lib.bunBinary, 'bun-api.mjs'] : [process.execPath, 'node-api.mjs'];
    const baseline = await baselineTarget(spec.baseline, runtime, script, config, vodkit, dir);
    pairs.push({ vodkit, baseline, goal: ['>=', spec.goal] });
  }

  // SQLite has no bare baseline of its own: it is held to the other stores measured beside it.
  mkdirSync(join(dir, 'sqlite'), { recursive: true });
  const sqlite = await vodkitTarget(
    'vodkit Node, SQLite',
    'node',
    `sqlite:${join(dir, 'sqlite', 'vodkit.db')}`,
    join(dir, 'sqlite'),
  );

  const mismatches = (await Promise.all(pairs.map(compareAnswers))).flat();
  for (const line of mismatches) lib.log(`WARNING: a baseline answers differently: ${line}`);

  // Each pair side by side, so that a vodkit and its baseline are measured one right after the other.
  const targets = [...pairs.flatMap((pair) => [pair.vodkit, pair.baseline]), sqlite];
  const { results, loadAverages } = await lib.interleaved({
    targets,
    loads: workloads,
    runs,
    seconds: duration,
    warmup,
    measure(target, workload, seconds) {
      const { path, ...spec } = workload.request(target);
      return lib.runLoad(target.base + path, { ...spec, connections, seconds, timeoutSeconds: 10 });
    },
    describe: (r) =>
      `${lib.fmt(r.rps)} req/s, p50 ${lib.fmt(r.p50, 1)} ms, p99 ${lib.fmt(r.p99, 1)} ms, failed ${r.failed}`,
  });

  console.log(
    `\n## API benchmark: vodkit against bare servers, interleaved\n\n${lib.machineLine()}\n` +
      `Client: ${client.name}, ${connections} connections; ${runs} rounds of ${duration} s per target and ` +
      `workload after ${warmup} s of warm-up; load average (1 min) at the start of each measurement ` +
      `${lib.range(loadAverages, 2)}. Memory store on Node: ${lib.memoryStoreSelection('node')}; on Bun: ` +
      `${lib.memoryStoreSelection('bun')}. vodkit runs with \`--services api --comments-per-user off\` ` +
      '(the comment limit lifted). Req/s and the ratio are medians over the rounds, with min–max; the ' +
      'ratio is taken round by round (vodkit / its baseline in the same round); latencies are the ' +
      'medians of the rounds’ p50 and p99.',
  );
  for (const workload of workloads) {
    console.log(`\n### ${workload.title}\n`);
    const rows = [];
    for (const pair of pairs) {
      const [mine, base] = [pair.vodkit, pair.baseline].map((t) => results.get(t)[workload.key]);
      const ratios = lib.perRound(
        mine.map((r) => r.rps),
        base.map((r) => r.rps),
      );
      rows.push([pair.vodkit.label, ...lib.roundCells(mine, 'rps'), ...lib.ratioCells(ratios, pair.goal)]);
      rows.push([pair.baseline.label, ...lib.roundCells(base, 'rps'), '(baseline)', '', '', '']);
    }
    lib.printTable(
      [
        'server',
        'req/s',
        'min–max',
        'p50',
        'p99',
        'errors / non-2xx',
        'ratio to baseline',
        'min–max',
        'target',
        'verdict',
      ],
      rows,
    );
  }
  printSqlite(results, sqlite, pairs);
  lib.printFailures(
    targets.flatMap((t) =>
      workloads.flatMap((w) =>
        results.get(t)[w.key].map((result, i) => ({ label: `${w.key}, ${t.label}, round ${i + 1}`, result })),
      ),
    ),
  );
  if (mismatches.length) {
    console.log(`\n**!!! Baselines that do not answer what their vodkit answers:**\n`);
    for (const line of mismatches) console.log(`- ${line}`);
  }
  console.log(`\nLoad average at the end: ${lib.loadAverage()}`);
}

await lib.runBenchmark(main);
