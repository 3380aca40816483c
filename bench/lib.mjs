// Pieces the benchmark scripts share: child processes that are always stopped, the built vodkit
// CLIs, the load generator (wrk, or autocannon when wrk is missing), /proc readers, statistics and
// markdown tables.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
/**
 * Where the built packages are: this checkout, or BENCH_BUILD_ROOT, a copy of its `packages/*`
 * (dist, package.json, node_modules links) beside a `node_modules` link to this checkout's, so
 * that a rebuild during a long run does not take the CLI away from under it.
 */
const buildRoot = process.env.BENCH_BUILD_ROOT || root;
export const nodeCli = join(buildRoot, 'packages/host-node/dist/cli.js');
export const bunCli = join(buildRoot, 'packages/host-bun/dist/cli.js');
// Bun's binary itself: node_modules/.bin/bun is a shell script that would outlive a signal, and its
// pid would not be the server's (the /proc readers need the server's own pid).
export const bunBinary = join(dirname(createRequire(import.meta.url).resolve('bun/package.json')), 'bin', 'bun.exe');
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

export const log = (line) => process.stderr.write(`bench: ${line}\n`);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A positive number from the environment, or the default; anything else stops the benchmark. */
export function numberSetting(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number (got "${process.env[name]}")`);
  return value;
}

/** A port nothing listens on right now. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

/** POSTs JSON (with a session when given) and returns the parsed answer; anything but 2xx throws. */
export async function post(url, body, session) {
  const headers = { 'content-type': 'application/json' };
  if (session) headers['x-session-id'] = session;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** One request's status, content type and body bytes, to compare what two servers answer. */
export async function fetchAnswer(url, init) {
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type'), body };
}

// ---------------------------------------------------------------- processes and cleanup

/** Every process started here and not yet stopped, and what else to undo, newest last. */
const running = new Set();
const cleanups = [];

/** Registers `undo` (sync or async) to run at the end, also on failure or Ctrl-C, after the processes stop. */
export const onCleanup = (undo) => cleanups.push(undo);

/** A temporary directory removed at the end whatever happens. */
export function workDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Spawns a tracked process (stopped at the end whatever happens) whose stderr is kept for error
 * messages; `capture` keeps stdout too, `stdin: 'pipe'` gives it a stdin to write to. `stop()`
 * sends SIGTERM, then SIGKILL after 15 s, and waits for the exit.
 */
export function startProcess(command, args, { capture = false, stdin = 'ignore', ...options } = {}) {
  const child = spawn(command, args, { cwd: root, ...options, stdio: [stdin, capture ? 'pipe' : 'ignore', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const proc = {
    child,
    pid: child.pid,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    stdout: () => stdout,
    stderr: () => stderr.trim(),
    async stop() {
      if (proc.isRunning()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
    },
  };
  running.add(proc);
  exited.then(() => running.delete(proc));
  return proc;
}

/** Waits until `url` answers (any status below 500 by default), failing early if `proc` exits. */
export async function waitForHttp(url, proc, name, accept = (response) => response.status < 500) {
  for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
    if (!proc.isRunning()) {
      const { code, error } = await proc.exited;
      throw new Error(`${name} exited with ${error?.message ?? code}: ${proc.stderr()}`);
    }
    const ok = await fetch(url).then(
      async (response) => {
        await response.arrayBuffer();
        return accept(response);
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer on ${url} within 30 s: ${proc.stderr()}`);
  }
}

/**
 * Runs `command args` and resolves once `url` answers 200; rejects with what the process said if
 * it exits first or does not answer within 30 s. `stop()` sends SIGTERM and waits for the exit.
 */
export async function spawnUntilHealthy(command, args, url, options = {}) {
  const proc = startProcess(command, args, options);
  try {
    await waitForHttp(url, proc, command, (response) => response.ok);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { child: proc.child, stop: proc.stop };
}

let cleaning;
/** Stops every tracked process, then runs the registered cleanups, newest first; once. */
export function cleanUp() {
  cleaning ??= (async () => {
    await Promise.all([...running].map((proc) => proc.stop()));
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (error) {
        log(`cleanup: ${error.message}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs a benchmark's `main` and cleans up after it whatever happens: on success, on failure (exit
 * code 1) and on SIGINT, SIGTERM or SIGHUP (exit code 130, after at most 30 s of cleanup).
 */
export async function runBenchmark(main) {
  process.on('exit', () => {
    // Last resort when something exits the process without cleanUp(): no process left behind.
    for (const proc of running) proc.child.kill('SIGKILL');
  });
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: cleaning up`);
      Promise.race([cleanUp(), sleep(30_000)]).finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (error) {
    // Once interrupted, what failed is only the load or process the signal stopped.
    if (!interrupted) console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}

// ---------------------------------------------------------------- tools

/** Installs a Debian package when its binary is missing and this runs as root; whether it is there now. */
export function ensureDebianPackage(pkg, binary) {
  if (existsSync(binary)) return true;
  if (process.getuid?.() !== 0) return false;
  log(`${binary} is missing: apt-get install -y ${pkg}`);
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (spawnSync('apt-get', ['install', '-y', pkg], quiet).status !== 0) {
    spawnSync('apt-get', ['update'], quiet);
    spawnSync('apt-get', ['install', '-y', pkg], quiet);
  }
  return existsSync(binary);
}

/** Stops the benchmark with a hint when the built CLIs are missing. */
export function requireBuilt(...files) {
  for (const file of files) {
    if (!existsSync(file)) throw new Error(`${file} is missing; run "pnpm build" first.`);
  }
}

// ---------------------------------------------------------------- vodkit

const hosts = {
  node: { command: process.execPath, script: nodeCli },
  bun: { command: bunBinary, script: bunCli },
};

/**
 * How each host's CLI is told to use the memory store. Today no --database-url means the memory
 * store and `memory:` is refused; a coming change makes SQLite the default and `memory:` the way
 * to ask for memory. So `--database-url memory:` is tried first, and when the CLI refuses it
 * (exits naming --database-url) the flag is left out; the answer is kept per host.
 */
const memoryArgs = new Map();
const MEMORY_URL = ['--database-url', 'memory:'];

/**
 * Starts the built vodkit CLI on `host` ('node' or 'bun') on a free loopback port, with `args`
 * after the port; `database` is 'memory', 'default' (no `--database-url`: the CLI's default store,
 * SQLite in the data dir) or a URL. Resolves once /healthz answers 200.
 * VODKIT_* variables of this environment are not passed on: the flags say everything.
 */
export async function startVodkit({ host = 'node', database = 'memory', args = [] }) {
  const { command, script } = hosts[host];
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('VODKIT_')) delete env[name];
  const storeArgs =
    database === 'memory'
      ? (memoryArgs.get(host) ?? MEMORY_URL)
      : database === 'default'
        ? []
        : ['--database-url', database];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startProcess(command, [script, '--port', String(port), '--host', '127.0.0.1', ...storeArgs, ...args], {
    env,
  });
  try {
    await waitForHttp(`${base}/healthz`, proc, `vodkit on ${host}`, (response) => response.ok);
  } catch (error) {
    await proc.stop();
    if (database === 'memory' && !memoryArgs.has(host) && /--database-url/.test(proc.stderr())) {
      log(`the ${host} CLI refuses --database-url memory: (${proc.stderr()}); using no --database-url`);
      memoryArgs.set(host, []);
      return startVodkit({ host, database, args });
    }
    throw error;
  }
  if (database === 'memory') memoryArgs.set(host, storeArgs);
  return { ...proc, base, host, storeArgs };
}

/** How the memory store was selected on `host`, for the output. */
export const memoryStoreSelection = (host) =>
  memoryArgs.get(host)?.length
    ? '`--database-url memory:`'
    : 'no `--database-url` (this build refuses `memory:`; without a URL it uses memory)';

/** Registers `userName` and returns its session token. */
export async function registerUser(base, userName) {
  const grant = await post(`${base}/api/register`, { user_name: userName, pwd: 'correct horse battery' });
  return grant.session_id;
}

/** Creates a pending video of `userName` and returns it. */
export const createVideo = (base, userName, session, name = 'Benchmark video') =>
  post(`${base}/api/user/${userName}/videos`, { name }, session);

// ---------------------------------------------------------------- load generation

const WRK = '/usr/bin/wrk';
let client;
/** wrk when it is there (installed with apt-get when missing and running as root), else autocannon. */
export function loadClient() {
  if (client) return client;
  const wrk = process.env.BENCH_CLIENT !== 'autocannon' && ensureDebianPackage('wrk', WRK);
  const version = wrk && spawnSync(WRK, ['-v'], { encoding: 'utf8' }).stdout.split(' Copyright')[0]?.trim();
  client = wrk ? { kind: 'wrk', name: `${version || 'wrk'}, one thread` } : { kind: 'autocannon', name: 'autocannon' };
  if (!wrk) log('wrk is missing: falling back to autocannon, in this process (its figures are lower)');
  return client;
}

/** A Lua string literal of `text`: bytes outside printable ASCII as decimal escapes. */
const luaString = (text) =>
  `"${[...Buffer.from(text)].map((b) => (b < 32 || b > 126 || b === 34 || b === 92 ? `\\${b}` : String.fromCharCode(b))).join('')}"`;

// Written at the end of the run as one line of JSON; the latencies are in microseconds.
const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"bytes":%d,"us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * The wrk script of a load: the method, headers and body fixed once (wrk then sends one prebuilt
 * request), or a `request()` that asks for a random block-aligned range of `ranges.blockBytes`.
 */
function wrkScript({ method = 'GET', headers = {}, body, ranges }) {
  const lines = [`wrk.method = ${luaString(method)}`];
  for (const [name, value] of Object.entries(headers))
    lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  if (body !== undefined) lines.push(`wrk.body = ${luaString(body)}`);
  if (ranges) {
    lines.push(`
local blocks = ${Math.floor(ranges.fileBytes / ranges.blockBytes)}
math.randomseed(os.time())
request = function()
  local s = math.random(0, blocks - 1) * ${ranges.blockBytes}
  return wrk.format(nil, nil, { ["Range"] = "bytes=" .. s .. "-" .. (s + ${ranges.blockBytes - 1}) })
end`);
  }
  return lines.join('\n') + DONE_LUA;
}

let scripts = 0;
async function runWrk(url, spec) {
  scripts += 1;
  const script = join(tmpdir(), `vodkit-bench-${process.pid}-${scripts}.lua`);
  writeFileSync(script, wrkScript(spec));
  try {
    // One thread: the client shares the two cores with the server being measured.
    const args = ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, `--timeout`, `${spec.timeoutSeconds ?? 30}s`];
    const proc = startProcess(WRK, [...args, '-s', script, url], { capture: true });
    const { code, error } = await proc.exited;
    if (code !== 0) throw new Error(`wrk exited with ${error?.message ?? code}: ${proc.stderr()} ${proc.stdout()}`);
    const line = proc
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('BENCH '));
    if (!line) throw new Error(`wrk gave no summary: ${proc.stdout()}`);
    const r = JSON.parse(line.slice(6));
    const errors = { connect: r.connect, read: r.read, write: r.write, timeout: r.timeout, status: r.status };
    return { requests: r.requests, bytes: r.bytes, seconds: r.us / 1e6, p50: r.p50 / 1000, p99: r.p99 / 1000, errors };
  } finally {
    rmSync(script, { force: true });
  }
}

async function runAutocannon(
  url,
  { connections, seconds, method = 'GET', headers = {}, body, ranges, timeoutSeconds },
) {
  const autocannon = (await import('autocannon')).default;
  // autocannon cycles through a fixed list, so the "random" ranges are a shuffled set of blocks.
  const blocks = ranges && Math.floor(ranges.fileBytes / ranges.blockBytes);
  const requests =
    ranges &&
    Array.from({ length: blocks }, (_, i) => {
      const start = ((i * 37) % blocks) * ranges.blockBytes;
      return { headers: { ...headers, range: `bytes=${start}-${start + ranges.blockBytes - 1}` } };
    });
  const options = {
    url,
    connections,
    duration: seconds,
    method,
    headers,
    body,
    requests,
    timeout: timeoutSeconds ?? 30,
  };
  const r = await new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
  // autocannon has no split of socket errors; all of them count as read errors here.
  const errors = { connect: 0, read: r.errors - r.timeouts, write: 0, timeout: r.timeouts, status: r.non2xx };
  return {
    requests: r.requests.total,
    bytes: r.throughput.total,
    seconds: r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors,
  };
}

/**
 * Measures every load on every target, interleaved: a warm-up of `warmup` seconds of each, then
 * `runs` rounds, each running every load on every target one after the other for `seconds`, the
 * order of the targets reversed every other round so that neither side of a comparison always
 * goes first. `measure(target, load, seconds)` runs one; `describe(result)` says it in the log.
 * Returns results.get(target)[load.key] (one result per round) and the 1-minute load averages at
 * the start of each measurement.
 */
export async function interleaved({ targets, loads, runs, seconds, warmup, measure, describe }) {
  const results = new Map(targets.map((t) => [t, Object.fromEntries(loads.map((l) => [l.key, []]))]));
  log(`warm-up: ${warmup} s per target and load`);
  for (const target of targets) for (const load of loads) await measure(target, load, warmup);
  const loadAverages = [];
  for (let run = 1; run <= runs; run += 1) {
    const order = run % 2 ? targets : [...targets].reverse();
    for (const load of loads) {
      for (const target of order) {
        loadAverages.push(load1());
        const r = await measure(target, load, seconds);
        results.get(target)[load.key].push(r);
        log(`run ${run}/${runs} ${load.key} ${target.label} (load ${loadAverages.at(-1)}): ${describe(r)}`);
      }
    }
  }
  return { results, loadAverages };
}

/**
 * One load run on `url`: `connections` for `seconds`, with an optional method, headers, body, or
 * random ranges ({ fileBytes, blockBytes }). Returns requests and bytes received (headers included),
 * requests/s, MB/s (10^6 bytes), latency p50 and p99 in ms, and the errors by kind. `failed` adds
 * them up; wrk's `status` counts answers with a status of 400 or more.
 */
export async function runLoad(url, spec) {
  const r = await (loadClient().kind === 'wrk' ? runWrk(url, spec) : runAutocannon(url, spec));
  const failed = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return { ...r, rps: r.requests / r.seconds, mbps: r.bytes / r.seconds / 1e6, failed };
}

/** `connect 0, read 3, …` for the kinds of error that happened. */
export const describeErrors = (errors) =>
  Object.entries(errors)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind === 'status' ? 'status ≥ 400' : kind} ${n}`)
    .join(', ');

// ---------------------------------------------------------------- /proc

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS and VmHWM of the process, in bytes. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Resets the process's VmHWM to its VmRSS now (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0+), so
 * that VmHWM read later is the peak since this call; whether it could.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls VmRSS every `everyMs` from now; `stop()` returns the peak seen (bytes). */
export function watchPeakRss(pid, everyMs = 100) {
  let peak = memoryOf(pid).rss;
  const sample = () => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
    } catch {
      // the process is gone; whoever waits on it will say why
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

// ---------------------------------------------------------------- statistics and output

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median, min and max of the values. */
export const spread = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });

/** Round by round, `a[i] / b[i]`: the rounds are interleaved, so each ratio compares like with like. */
export const perRound = (a, b) => a.map((x, i) => x / b[i]);

export const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

/** `min–max` of the values. */
export const range = (values, digits = 0, unit = '') =>
  `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}${unit}`;

/**
 * The verdict on a ratio's median against its target (`['>=', 0.8]` or `['<=', 2]`): the target
 * as printed and `holds` or `**MISSED**`.
 */
export function verdict(ratio, [op, bound]) {
  const holds = op === '>=' ? ratio >= bound : ratio <= bound;
  return { target: `${op === '>=' ? '≥' : '≤'} ${fmt(bound, 1)}×`, verdict: holds ? 'holds' : '**MISSED**' };
}

/** A count of failed requests as a table cell: loud when not 0. */
const failedCell = (failed) => (failed ? `**${fmt(failed)} !!!**` : '0');

/**
 * The cells of one server's measurements over the rounds: the median of `field` and its min–max,
 * the medians of the rounds' p50 and p99, and the failed requests of all rounds.
 */
export function roundCells(rounds, field) {
  const values = rounds.map((r) => r[field]);
  return [
    fmt(median(values)),
    range(values),
    `${fmt(median(rounds.map((r) => r.p50)), 1)} ms`,
    `${fmt(median(rounds.map((r) => r.p99)), 1)} ms`,
    failedCell(rounds.reduce((n, r) => n + r.failed, 0)),
  ];
}

/** The cells of per-round ratios against a goal: median, min–max, the goal and its verdict. */
export function ratioCells(ratios, goal) {
  const { target, verdict: holds } = verdict(median(ratios), goal);
  return [`${fmt(median(ratios), 2)}×`, range(ratios, 2, '×'), target, holds];
}

/** Prints a markdown table; columns are right-aligned except the first. */
export function printTable(header, rows) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** The 1-minute load average now. */
export const load1 = () => loadavg()[0];

export const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

/** One line on the machine: cores, CPU, memory, kernel, Node, and the load average now. */
export const machineLine = () =>
  `Machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / GiB)} GiB, ` +
  `Linux ${release()}; Node ${process.version}; load average ${loadAverage()} (1, 5, 15 min)`;

/** Loud lines for every measurement that saw errors or answers of 400 and over; none when clean. */
export function printFailures(measurements) {
  const failed = measurements.filter((m) => m.result.failed > 0);
  if (failed.length === 0) {
    console.log('\nNo request failed, and none was answered with a status of 400 or more.');
    return;
  }
  console.log(`\n**!!! ${failed.length} measurement(s) had failed requests or error statuses:**\n`);
  for (const { label, result } of failed) {
    console.log(`- **${label}: ${result.failed} of ${result.requests}** (${describeErrors(result.errors)})`);
  }
}
