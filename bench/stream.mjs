// Benchmark of the stream service on the Node host and on the Bun host, against nginx serving the same file.
//
//   pnpm build && pnpm bench:stream
//
// In one run, on one 64 MiB file:
//   1. starts the built CLI (`node packages/host-node/dist/cli.js --data-dir <tmp>/data`, embedded
//      store) on a free port, registers a user, creates a video and uploads a generated 64 MiB
//      MP4-looking file (4-byte size, `ftyp`, `isom`, random bytes) through
//      POST /upload/videos/:vid; vodkit stores it at <tmp>/data/videos/<vid>; does the same with
//      the Bun host (`bun packages/host-bun/dist/cli.js --data-dir <tmp>/data-bun`, Bun from the
//      `bun` dev dependency) and the same bytes;
//   2. starts Debian's nginx (installed with apt-get when missing and running as root) on another
//      free loopback port with `root <tmp>/data/videos`, sendfile and tcp_nopush on, one worker;
//   3. with wrk (or autocannon when wrk is not there), in turn on both hosts and nginx, BENCH_RUNS
//      times: full-file GETs (BENCH_FULL_CONNECTIONS, default 8) and 1 MiB Range requests at random
//      1 MiB-aligned offsets (BENCH_RANGE_CONNECTIONS, default 32), BENCH_DURATION seconds each
//      (default 10), after a short warm-up; reports the medians;
//   4. starts a fresh vodkit and uploads 2 GiB (BENCH_UPLOAD_BYTES) generated on the fly — never
//      written to disk by the benchmark — while polling VmRSS of the vodkit process every 100 ms;
//      reports the peak (and VmHWM) and the upload throughput, then deletes the uploaded file;
//   5. prints a markdown table, and removes every process and temporary file it made, also on
//      failure or Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, post, sleep } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../packages/host-node/dist/cli.js', import.meta.url));
const bunCli = fileURLToPath(new URL('../packages/host-bun/dist/cli.js', import.meta.url));
// Bun's binary itself: node_modules/.bin/bun is a shell script that would outlive a signal.
const bun = join(dirname(createRequire(import.meta.url).resolve('bun/package.json')), 'bin', 'bun.exe');
const env = process.env;
const duration = Number(env.BENCH_DURATION ?? 10);
const runs = Number(env.BENCH_RUNS ?? 3);
const fullConnections = Number(env.BENCH_FULL_CONNECTIONS ?? 8);
const rangeConnections = Number(env.BENCH_RANGE_CONNECTIONS ?? 32);
const uploadBytes = Number(env.BENCH_UPLOAD_BYTES ?? 2 * 1024 ** 3);
const MiB = 1024 ** 2;
const FILE_BYTES = 64 * MiB;
const NGINX = '/usr/sbin/nginx';

for (const file of [cli, bunCli]) {
  if (!existsSync(file)) {
    console.error(`bench: ${file} is missing; run "pnpm build" first.`);
    process.exit(1);
  }
}

const log = (line) => process.stderr.write(`bench: ${line}\n`);

// ---------------------------------------------------------------- cleanup, whatever happens

const children = new Set();
const work = mkdtempSync(join(tmpdir(), 'vodkit-bench-stream-'));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- tools

const isRoot = process.getuid?.() === 0;
function ensureDebianPackage(pkg, binary) {
  if (existsSync(binary)) return true;
  if (!isRoot) return false;
  log(`${binary} is missing: apt-get install -y ${pkg}`);
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (spawnSync('apt-get', ['install', '-y', pkg], quiet).status !== 0) {
    spawnSync('apt-get', ['update'], quiet);
    spawnSync('apt-get', ['install', '-y', pkg], quiet);
  }
  return existsSync(binary);
}

if (!ensureDebianPackage('nginx', NGINX)) {
  console.error(`bench: ${NGINX} is missing; install Debian's nginx (apt-get install -y nginx) or run as root.`);
  process.exit(1);
}
const useWrk = env.BENCH_CLIENT !== 'autocannon' && ensureDebianPackage('wrk', '/usr/bin/wrk');
const autocannon = useWrk ? undefined : (await import('autocannon')).default;
const clientName = useWrk
  ? spawnSync('/usr/bin/wrk', ['-v'], { encoding: 'utf8' }).stdout.split(' Copyright')[0]?.trim() || 'wrk'
  : 'autocannon (in this process)';
const nginxVersion = spawnSync(NGINX, ['-v'], { encoding: 'utf8' })
  .stderr.trim()
  .replace(/^nginx version: /, '');

/** Spawns a tracked child process whose stderr is kept for error messages. */
function start(command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], ...options });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return {
    child,
    stderr: () => stderr.trim(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

async function waitFor(url, proc, name) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}: ${proc.stderr()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer on ${url} within 30 s: ${proc.stderr()}`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------- vodkit

const dataDir = join(work, 'data');
const bunVersion = spawnSync(bun, ['--version'], { encoding: 'utf8' }).stdout.trim();

/** The `vodkit` CLI on Node (host 'node') or `vodkit-bun` on Bun (host 'bun'), embedded store. */
async function startVodkit(host = 'node', dir = dataDir) {
  const port = await freePort();
  const childEnv = { ...env };
  for (const name of Object.keys(childEnv)) if (name.startsWith('VODKIT_')) delete childEnv[name];
  const [command, script] = host === 'bun' ? [bun, bunCli] : [process.execPath, cli];
  // The load generator is one client address: its share of the tokens is all of them, as with many clients.
  const args = [
    script,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--data-dir',
    dir,
    '--stream-tokens-per-client',
    '64',
  ];
  const proc = start(command, args, { env: childEnv });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, proc, `vodkit on ${host}`);
  return { ...proc, base, pid: proc.child.pid };
}

/** A user and a pending video: the session and the video id. */
async function seed(base, userName) {
  const grant = await post(`${base}/api/register`, { user_name: userName, pwd: 'correct horse battery' });
  const video = await post(`${base}/api/user/${userName}/videos`, { name: 'Benchmark video' }, grant.session_id);
  return { session: grant.session_id, vid: video.id };
}

/** The first bytes of an MP4: a box size, `ftyp`, the brand `isom`. */
const mp4Header = () => {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(32, 0);
  head.write('ftypisom', 4, 'latin1');
  return head;
};

/** POSTs a raw video/mp4 body of `size` bytes from a Node stream; resolves with status, JSON and seconds taken. */
function upload(base, vid, session, size, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = httpRequest(
      `${base}/upload/videos/${vid}`,
      {
        method: 'POST',
        headers: { 'content-type': 'video/mp4', 'content-length': String(size), 'x-session-id': session },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined, seconds });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    body.on('error', (error) => req.destroy(error));
    body.pipe(req);
  });
}

/** `size` bytes, MP4 header first, made on the fly from a few random 1 MiB blocks (never a file). */
async function* generatedBody(size) {
  const blocks = Array.from({ length: 8 }, () => randomBytes(MiB));
  const first = Buffer.concat([mp4Header(), blocks[0].subarray(12)]);
  let sent = 0;
  for (let i = 0; sent < size; i += 1) {
    const block = i === 0 ? first : blocks[i % blocks.length];
    const chunk = block.subarray(0, Math.min(block.byteLength, size - sent));
    sent += chunk.byteLength;
    yield chunk;
  }
}

// ---------------------------------------------------------------- nginx

async function startNginx(videosDir) {
  const port = await freePort();
  const prefix = join(work, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `# generated by bench/stream.mjs
${isRoot ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  keepalive_requests 1000000;
  default_type video/mp4;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${videosDir};
    location / { }
  }
}
`,
  );
  // -e: the error log before the configuration is read (Debian's default is under /var/log).
  const proc = start(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')]);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/`, proc, 'nginx');
  return { ...proc, base };
}

// ---------------------------------------------------------------- load

const RANGE_LUA = `
local blocks = ${FILE_BYTES / MiB}
math.randomseed(os.time())
request = function()
  local s = math.random(0, blocks - 1) * ${MiB}
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. s .. "-" .. (s + ${MiB - 1}) })
end
`;
const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"bytes":%d,"us":%d,"errors":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** One load run: requests/s, MB/s (10^6 bytes), latency p50/p99 in ms, failed or non-2xx answers. */
async function load(url, { connections, seconds, range }) {
  if (useWrk) {
    const script = join(work, range ? 'range.lua' : 'full.lua');
    writeFileSync(script, (range ? RANGE_LUA : '') + DONE_LUA);
    // One client thread: the client shares the two cores with the server being measured.
    const out = await new Promise((resolve, reject) => {
      const proc = spawn(
        '/usr/bin/wrk',
        ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '30s', '-s', script, url],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.add(proc);
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      proc.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      proc.on('error', reject);
      proc.on('exit', (code) => {
        children.delete(proc);
        code === 0 ? resolve(stdout) : reject(new Error(`wrk exited with ${code}: ${stderr}${stdout}`));
      });
    });
    const line = out.split('\n').find((l) => l.startsWith('BENCH '));
    if (!line) throw new Error(`wrk gave no summary: ${out}`);
    const r = JSON.parse(line.slice(6));
    const s = r.us / 1e6;
    return { rps: r.requests / s, mbps: r.bytes / s / 1e6, p50: r.p50 / 1000, p99: r.p99 / 1000, failed: r.errors };
  }
  const requests = range
    ? Array.from({ length: 64 }, (_, i) => ({
        headers: { range: `bytes=${((i * 37) % 64) * MiB}-${((i * 37) % 64) * MiB + MiB - 1}` },
      }))
    : undefined;
  const result = await new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, requests, timeout: 30 }, (error, res) =>
      error ? reject(error) : resolve(res),
    );
  });
  return {
    rps: result.requests.total / result.duration,
    mbps: result.throughput.total / result.duration / 1e6,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Checks that every server answers the same bytes for one range before measuring them. */
async function sameRange(urls) {
  const digest = async (url) => {
    const response = await fetch(url, { headers: { range: `bytes=${5 * MiB}-${6 * MiB - 1}` } });
    const bytes = Buffer.from(await response.arrayBuffer());
    return `${response.status} ${response.headers.get('content-range')} ${createHash('sha256').update(bytes).digest('hex')}`;
  };
  const digests = await Promise.all(urls.map(digest));
  if (new Set(digests).size !== 1) throw new Error(`the servers disagree on a range: ${digests.join(' vs ')}`);
}

// ---------------------------------------------------------------- the run

const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const load1 = () => loadavg()[0].toFixed(2);

async function main() {
  log(`work dir ${work}; client ${clientName}; nginx ${nginxVersion}; Node ${process.version}; Bun ${bunVersion}`);

  // 1. Both hosts, and the same 64 MiB file uploaded through each.
  const source = join(work, 'source.mp4');
  writeFileSync(source, Buffer.concat([mp4Header(), randomBytes(FILE_BYTES - 12)]));
  const hosted = async (host, dir) => {
    const server = await startVodkit(host, dir);
    const { session, vid } = await seed(server.base, 'bench_stream');
    const stored = await upload(server.base, vid, session, FILE_BYTES, createReadStream(source));
    if (stored.status !== 200)
      throw new Error(`upload of the 64 MiB file to ${host}: ${stored.status} ${JSON.stringify(stored.json)}`);
    const videoPath = join(dir, 'videos', vid);
    if (statSync(videoPath).size !== FILE_BYTES) throw new Error(`${videoPath} is not ${FILE_BYTES} bytes`);
    log(`uploaded 64 MiB to the ${host} host as ${vid} in ${stored.seconds.toFixed(2)} s`);
    return { server, vid };
  };
  const onNode = await hosted('node', dataDir);
  let vodkit = onNode.server;
  const nodeVid = onNode.vid;
  const onBun = await hosted('bun', join(work, 'data-bun'));
  rmSync(source);

  // 2. nginx on the Node host's copy.
  const nginx = await startNginx(join(dataDir, 'videos'));
  const targets = [
    { name: 'node', url: `${vodkit.base}/stream/videos/${nodeVid}` },
    { name: 'bun', url: `${onBun.server.base}/stream/videos/${onBun.vid}` },
    { name: 'nginx', url: `${nginx.base}/${nodeVid}` },
  ];
  await sameRange(targets.map((target) => target.url));

  // 3. Full-file GETs and 1 MiB ranges, alternating servers, BENCH_RUNS times.
  const tests = [
    { key: 'full', connections: fullConnections, range: false },
    { key: 'range', connections: rangeConnections, range: true },
  ];
  const results = Object.fromEntries(targets.map((target) => [target.name, { full: [], range: [] }]));
  for (const target of targets) {
    for (const test of tests) await load(target.url, { ...test, seconds: Math.min(3, duration) });
  }
  for (let run = 1; run <= runs; run += 1) {
    for (const test of tests) {
      for (const target of targets) {
        const before = load1();
        const r = await load(target.url, { ...test, seconds: duration });
        results[target.name][test.key].push(r);
        log(
          `run ${run} ${target.name} ${test.key} (${test.connections} conn, load ${before}): ` +
            `${fmt(r.mbps)} MB/s, ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, failed ${r.failed}`,
        );
      }
    }
  }
  await nginx.stop();
  await vodkit.stop();
  await onBun.server.stop();

  // 4. A fresh vodkit, one 2 GiB upload, its RSS polled every 100 ms.
  vodkit = await startVodkit('node');
  const big = await seed(vodkit.base, 'bench_upload');
  const rss = () => {
    const status = readFileSync(`/proc/${vodkit.pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  };
  const idle = rss();
  let peak = idle.rss;
  const poll = setInterval(() => {
    try {
      peak = Math.max(peak, rss().rss);
    } catch {
      // the process is gone; the upload will say why
    }
  }, 100);
  let uploaded;
  try {
    const { Readable } = await import('node:stream');
    uploaded = await upload(
      vodkit.base,
      big.vid,
      big.session,
      uploadBytes,
      Readable.from(generatedBody(uploadBytes), { objectMode: false }),
    );
  } finally {
    clearInterval(poll);
  }
  const after = rss();
  peak = Math.max(peak, after.rss);
  if (uploaded.status !== 200)
    throw new Error(`the ${uploadBytes}-byte upload: ${uploaded.status} ${JSON.stringify(uploaded.json)}`);
  const bigPath = join(dataDir, 'videos', big.vid);
  const bigSize = statSync(bigPath).size;
  rmSync(bigPath);
  await vodkit.stop();
  log(`uploaded ${bigSize} bytes in ${uploaded.seconds.toFixed(1)} s; deleted ${bigPath}`);

  // 5. The table.
  const m = (name, key, field) => median(results[name][key].map((r) => r[field]));
  const anyFailed = targets.flatMap((t) => tests.flatMap((test) => results[t.name][test.key])).some((r) => r.failed);
  console.log(
    `\nStream benchmark — one 64 MiB file; ${clientName}; median of ${runs} runs of ${duration} s; ` +
      `Node ${process.version}, Bun ${bunVersion}, ${nginxVersion}; ${availableParallelism()} cores ` +
      `(${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${load1()}\n`,
  );
  console.log('| measure | vodkit on Node | vodkit on Bun | nginx | Node / nginx | Bun / nginx |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const row = (label, key, field, unit, digits = 0) => {
    const [v, b, n] = ['node', 'bun', 'nginx'].map((name) => m(name, key, field));
    const cells = [v, b, n].map((x) => `${fmt(x, digits)} ${unit}`).join(' | ');
    console.log(`| ${label} | ${cells} | ${fmt((100 * v) / n)} % | ${fmt((100 * b) / n)} % |`);
  };
  row(`full-file GET, ${fullConnections} connections`, 'full', 'mbps', 'MB/s');
  row(`1 MiB Range GET, ${rangeConnections} connections`, 'range', 'rps', 'req/s');
  row(`1 MiB Range GET, ${rangeConnections} connections, p50 latency`, 'range', 'p50', 'ms', 1);
  row(`1 MiB Range GET, ${rangeConnections} connections, p99 latency`, 'range', 'p99', 'ms', 1);
  console.log(
    `\n| ${fmt(uploadBytes / 2 ** 30, 2)} GiB upload (raw video/mp4) | vodkit on Node |\n|---|---:|\n` +
      `| RSS at rest before it | ${fmt(idle.rss / 1024, 1)} MiB |\n` +
      `| peak RSS during it (VmRSS every 100 ms) | ${fmt(peak / 1024, 1)} MiB |\n` +
      `| VmHWM of the process at the end | ${fmt(after.hwm / 1024, 1)} MiB |\n` +
      `| throughput | ${fmt(uploadBytes / uploaded.seconds / 1e6)} MB/s (${fmt(uploaded.seconds, 1)} s) |`,
  );
  console.log('\nPer run (MB/s for full files, requests/s for ranges):');
  for (const { name } of targets) {
    console.log(
      `- ${name}: full ${results[name].full.map((r) => fmt(r.mbps)).join(', ')}; ` +
        `range ${results[name].range.map((r) => fmt(r.rps)).join(', ')}`,
    );
  }
  if (anyFailed) console.log('\nSome requests failed or were not 2xx: see the per-run lines above.');
}

try {
  await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await sleep(200);
  cleanup();
}
