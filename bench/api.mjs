// Benchmark of `GET /api/videos/:vid` on the Node host, on MySQL and on the embedded store.
//
//   pnpm build && pnpm bench:api
//
// Each run starts the built CLI (`node packages/host-node/dist/cli.js`) as its own process on
// a free port, registers a user, creates one video and lets autocannon read that video for a
// while. The MySQL run uses a new database on the server of VODKIT_BENCH_MYSQL_URL (default
// mysql://root@127.0.0.1:3306/test) and drops it afterwards; set it to "skip" for memory only.
//
// Settings, from the environment: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (50).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createConnection } from 'mysql2/promise';
import { freePort, post, spawnUntilHealthy } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../packages/host-node/dist/cli.js', import.meta.url));
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const mysqlServer = process.env.VODKIT_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

if (!existsSync(cli)) {
  console.error(`bench: ${cli} is missing; run "pnpm build" first.`);
  process.exit(1);
}

/** Starts the vodkit CLI and resolves once it answers /healthz. */
async function startVodkit(databaseUrl) {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', VODKIT_SERVICES: 'api' };
  delete env.VODKIT_DATABASE_URL;
  if (databaseUrl) env.VODKIT_DATABASE_URL = databaseUrl;
  const base = `http://127.0.0.1:${port}`;
  const { stop } = await spawnUntilHealthy(process.execPath, [cli], `${base}/healthz`, { cwd: root, env });
  return { base, stop };
}

/** One user, one video: the id to read. */
async function seed(base) {
  const grant = await post(`${base}/api/register`, { user_name: 'bench_user', pwd: 'correct horse battery' });
  const video = await post(`${base}/api/user/bench_user/videos`, { name: 'Benchmark video' }, grant.session_id);
  return video.id;
}

function measure(url, title, seconds = duration) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, title }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function run(label, databaseUrl) {
  const vodkit = await startVodkit(databaseUrl);
  try {
    const vid = await seed(vodkit.base);
    const url = `${vodkit.base}/api/videos/${vid}`;
    // A short warm-up so the JIT and the pool are settled before the measured run.
    await measure(url, `${label} warm-up`, Math.min(3, duration));
    process.stderr.write(`bench: ${label}: ${connections} connections for ${duration} s on GET /api/videos/:vid\n`);
    const result = await measure(url, label);
    const non2xx = result.non2xx + result.errors + result.timeouts;
    return {
      label,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      non2xx,
    };
  } finally {
    await vodkit.stop();
  }
}

async function withFreshDatabase(serverUrl, work) {
  const name = `vodkit_bench_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(serverUrl);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

const results = [];
if (mysqlServer !== 'skip') {
  results.push(await withFreshDatabase(mysqlServer, (url) => run('MySQL (MariaDB, 127.0.0.1:3306)', url)));
}
results.push(await run('memory (embedded store)', undefined));

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
console.log(
  `\nGET /api/videos/:vid — ${connections} connections, ${duration} s, Node ${process.version}, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB\n`,
);
console.log('| store | requests/s | latency p50 | latency p99 | requests | non-2xx or errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.requests)} | ${r.non2xx} |`,
  );
}
