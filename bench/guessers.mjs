// Stream latency while password guessers hammer the login route, against the same stream idle.
//
//   pnpm build && pnpm bench:guessers
//
// Starts the built CLI (`node packages/host-node/dist/cli.js`) on the embedded store with a
// temporary data dir, uploads an 8 MiB video and times 64 KiB Range GETs of it, one after the
// other: first with nothing else going on (the baseline), then while eight clients send wrong
// passwords as fast as they get answers. Scenario "limits off" lifts the password limits, so
// every guess costs a scrypt: what is measured is whether hashing starves file reads (both use
// libuv's thread pool, and scrypt takes a core). Scenario "default limits" is vodkit as shipped.
//
// Settings, from the environment: BENCH_ROUNDS (default 3), BENCH_REQUESTS per phase (200).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, post, sleep, spawnUntilHealthy } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../packages/host-node/dist/cli.js', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const GUESSERS = 8;
const FILE_BYTES = 8 * 1024 * 1024;
const RANGE_BYTES = 64 * 1024;

async function startVodkit(extraArgs) {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-bench-guessers-'));
  // The memory store, as when these figures were taken: the password counters' writes stay off the disk.
  const args = [cli, `--port=${port}`, `--data-dir=${dataDir}`, '--database-url=memory:', ...extraArgs];
  const base = `http://127.0.0.1:${port}`;
  const server = await spawnUntilHealthy(process.execPath, args, `${base}/healthz`, { cwd: root });
  return {
    base,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An MP4-looking file: an ftyp box, then filler. */
const video = () => {
  const bytes = new Uint8Array(FILE_BYTES);
  bytes.set([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]);
  for (let i = 24; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  return bytes;
};

/** Sequential Range GETs at random offsets; each body read whole. Milliseconds per request. */
async function streamLatencies(base, vid) {
  const times = [];
  for (let i = 0; i < requests; i++) {
    const start = Math.floor(Math.random() * (FILE_BYTES - RANGE_BYTES));
    const t0 = performance.now();
    const response = await fetch(`${base}/stream/videos/${vid}`, {
      headers: { range: `bytes=${start}-${start + RANGE_BYTES - 1}` },
    });
    await response.arrayBuffer();
    if (response.status !== 206) throw new Error(`stream answered ${response.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];

async function scenario(name, extraArgs) {
  const server = await startVodkit(extraArgs);
  try {
    const owner = await post(`${server.base}/api/register`, { user_name: 'bench.owner', pwd: 'correct horse battery' });
    const created = await post(`${server.base}/api/user/bench.owner/videos`, { name: 'clip' }, owner.session_id);
    const uploaded = await fetch(`${server.base}/upload/videos/${created.id}`, {
      method: 'POST',
      headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session_id },
      body: video(),
    });
    if (uploaded.status !== 200) throw new Error(`upload answered ${uploaded.status}`);
    await streamLatencies(server.base, created.id); // warm-up: page cache, JIT

    const results = [];
    for (let round = 1; round <= rounds; round++) {
      const idle = await streamLatencies(server.base, created.id);
      let guessing = true;
      const statuses = new Map();
      const guesser = async (n) => {
        for (let i = 0; guessing; i++) {
          const response = await fetch(`${server.base}/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user_name: `victim${n}`, pwd: `guess number ${i}` }),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      };
      const guessers = Array.from({ length: GUESSERS }, (_, n) => guesser(n));
      await sleep(200);
      const loaded = await streamLatencies(server.base, created.id);
      guessing = false;
      await Promise.all(guessers);
      const row = {
        scenario: name,
        round,
        idleMedianMs: median(idle),
        guessedMedianMs: median(loaded),
        ratio: median(loaded) / median(idle),
        idleP90Ms: p90(idle),
        guessedP90Ms: p90(loaded),
        guessAnswers: Object.fromEntries(statuses),
      };
      results.push(row);
      console.log(JSON.stringify(row, (_, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
    }
    return results;
  } finally {
    await server.stop();
  }
}

console.log(`# ${availableParallelism()} cores, node ${process.version}, ${rounds} rounds of ${requests} requests`);
const all = [
  ...(await scenario('limits off', ['--password-failures-per-account=off', '--password-failures-per-client=off'])),
  ...(await scenario('default limits', [])),
];
for (const name of new Set(all.map((row) => row.scenario))) {
  const ratios = all.filter((row) => row.scenario === name).map((row) => row.ratio);
  console.log(
    `${name}: stream median with ${GUESSERS} guessers / idle = ${ratios.map((r) => r.toFixed(2)).join(', ')} (goal <= 2)`,
  );
}
