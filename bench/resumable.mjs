// Benchmark of resumable (tus 1.0) uploads against the one-shot upload, in the same run.
//
//   pnpm build && pnpm bench:resumable
//   BENCH_HOSTS=node,bun pnpm bench:resumable
//
// Once: the source, BENCH_UPLOAD_BYTES (1 GiB) random bytes behind an MP4 header, in the memory of
// this process (free space for one upload under the temporary directory, where the data dirs
// go, is checked first). Then BENCH_RUNS rounds (3); in each round, for every host of BENCH_HOSTS
// ("node"; "node,bun" for both), the two kinds of upload one after the other, the order reversed
// every other round so that drift of the machine falls on both:
//   - one-shot: `POST /upload/videos/:vid` with Content-Type video/mp4 and Content-Length;
//   - resumable: `POST /upload/videos/:vid/resumable` with Upload-Length (tus creation), then
//     sequential PATCHes of BENCH_CHUNK_BYTES (8 MiB) with Upload-Offset, Content-Type
//     application/offset+octet-stream and Tus-Resumable: 1.0.0, until the last one's 204.
// Each measurement gets a fresh server: the built CLI as its own process, `--services api,stream`,
// `--data-dir` a new directory, the default store (SQLite in the data dir), a registered user and a
// fresh video. The server's VmHWM (/proc/<pid>/status) is reset just before the upload
// (/proc/<pid>/clear_refs), so at its end it is the upload's peak RSS (VmRSS is polled every 50 ms
// too). Both kinds are sent the same way: node:http over one keep-alive connection, with
// Content-Length, the body written from the source in 1 MiB slices as fast as the socket takes them
// (no copy, no allocation, no file read per byte: on this VM, reading a file into fresh buffers per
// PATCH cost the client up to a third of a core, on the two cores the server needs). Time is wall
// time from the first request's start to the last answer. After each upload: the video is `ready`
// with the right size, its file has that size, no part file is left, and SHA-256 of samples of the
// file (head, tail, around chunk boundaries) match the source's; then the data dir is removed.
//
// Prints markdown: every round, then medians with min–max, the ratio resumable ÷ one-shot taken
// round by round, and the verdicts against the issue's goals (≥ 0.8×; peak RSS ≤ 120 MB).
import { constants as bufferConstants } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lib from './lib.mjs';

const runs = lib.numberSetting('BENCH_RUNS', 3);
const size = lib.numberSetting('BENCH_UPLOAD_BYTES', lib.GiB);
const chunkBytes = lib.numberSetting('BENCH_CHUNK_BYTES', 8 * lib.MiB);
const hostNames = (process.env.BENCH_HOSTS ?? 'node')
  .split(',')
  .map((h) => h.trim())
  .filter(Boolean);
/** The issue's goals: resumable at least this fraction of one-shot throughput; peak RSS in MB (10^6 bytes). */
const RATIO_GOAL = 0.8;
const RSS_GOAL_MB = 120;
/** The slices a body is written in. */
const SLICE_BYTES = lib.MiB;
const TUS = { 'tus-resumable': '1.0.0' };

const kinds = [
  { key: 'oneShot', label: 'one-shot POST' },
  { key: 'resumable', label: 'resumable (tus)' },
];

// ---------------------------------------------------------------- the source

/** `size` random bytes behind an MP4 header (`ftyp isom`), in memory. */
function makeSource() {
  if (size > bufferConstants.MAX_LENGTH) throw new Error(`BENCH_UPLOAD_BYTES is over ${bufferConstants.MAX_LENGTH}`);
  const source = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += 64 * lib.MiB) randomFillSync(source, at, Math.min(64 * lib.MiB, size - at));
  source.writeUInt32BE(32, 0);
  source.write('ftypisom', 4, 'latin1');
  return source;
}

/** The regions compared after each upload: head, tail, and around the first, a middle and the last chunk boundary. */
function sampleRegions() {
  const window = Math.min(lib.MiB, size);
  const boundaries = Math.floor((size - 1) / chunkBytes);
  const around = [1, Math.ceil(boundaries / 2), boundaries]
    .filter((k) => k >= 1)
    .map((k) => Math.max(0, k * chunkBytes - window / 2));
  return [0, ...around, Math.max(0, size - window)].map((start) => ({
    start,
    length: Math.min(window, size - start),
  }));
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of each region of the file at `path`. */
function digestOf(path, regions) {
  const fd = openSync(path, 'r');
  try {
    return regions.map(({ start, length }) => {
      const buffer = Buffer.allocUnsafe(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, buffer, read, length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      return sha256(buffer.subarray(0, read));
    });
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------- the client

/** Writes `body` (a Buffer) to `req` in slices, waiting for the socket when it is full, then ends it. */
async function writeBody(req, body) {
  for (let at = 0; at < body.byteLength; at += SLICE_BYTES) {
    if (!req.write(body.subarray(at, at + SLICE_BYTES))) await once(req, 'drain');
  }
  req.end();
}

/**
 * One request over `agent`, with `body` (a Buffer, sent with its Content-Length) if any. Resolves
 * with the status, headers and text of the answer, even when it comes before the whole body went.
 */
function send(agent, url, { method, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) writeBody(req, body).catch(reject);
    else req.end();
  });
}

const expectStatus = (what, answer, status) => {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status}, not ${status}: ${answer.text}`);
};

/** The one-shot upload: one POST of the whole source. */
async function oneShot({ agent, base, vid, session, source }) {
  const started = process.hrtime.bigint();
  const answer = await send(agent, `${base}/upload/videos/${vid}`, {
    method: 'POST',
    headers: { 'content-type': 'video/mp4', 'content-length': String(size), 'x-session-id': session },
    body: source,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  expectStatus('the one-shot upload', answer, 200);
  return { seconds, requests: 1 };
}

/** The resumable upload: tus creation, then sequential PATCHes of `chunkBytes` until the last byte. */
async function resumable({ agent, base, vid, session, source }) {
  const started = process.hrtime.bigint();
  const created = await send(agent, `${base}/upload/videos/${vid}/resumable`, {
    method: 'POST',
    headers: { ...TUS, 'upload-length': String(size), 'x-session-id': session },
  });
  expectStatus('the tus creation', created, 201);
  const url = new URL(created.headers.location, base).href;
  const creation = Number(process.hrtime.bigint() - started) / 1e6;
  const patches = [];
  for (let offset = 0; offset < size; ) {
    const length = Math.min(chunkBytes, size - offset);
    const before = process.hrtime.bigint();
    const answer = await send(agent, url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        'content-type': 'application/offset+octet-stream',
        'content-length': String(length),
        'upload-offset': String(offset),
        'x-session-id': session,
      },
      body: source.subarray(offset, offset + length),
    });
    patches.push(Number(process.hrtime.bigint() - before) / 1e6);
    expectStatus(`the PATCH at ${offset}`, answer, 204);
    offset += length;
    if (answer.headers['upload-offset'] !== String(offset))
      throw new Error(`the PATCH answered Upload-Offset ${answer.headers['upload-offset']}, not ${offset}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = [...patches].sort((a, b) => a - b);
  return {
    seconds,
    requests: patches.length + 1,
    creationMs: creation,
    // The last PATCH also finishes the upload (sniff, link into place, the video's row): apart.
    lastMs: patches.at(-1),
    patchMs: lib.median(patches.slice(0, -1).length ? patches.slice(0, -1) : patches),
    patchP90: sorted[Math.floor(sorted.length * 0.9)],
  };
}

/** Checks what a finished upload left: the video ready with its size, its file, no part, the same bytes. */
async function verify(base, vid, dataDir, regions, expected) {
  const response = await fetch(`${base}/api/videos/${vid}`);
  const video = await response.json();
  if (video.status !== 'ready' || video.size !== size)
    throw new Error(`video ${vid} is ${video.status} with ${video.size} bytes, not ready with ${size}`);
  const stored = join(dataDir, 'videos', vid);
  if (statSync(stored).size !== size) throw new Error(`${stored} is ${statSync(stored).size} bytes, not ${size}`);
  const uploads = join(dataDir, 'uploads');
  const left = existsSync(uploads) ? readdirSync(uploads) : [];
  if (left.length) throw new Error(`part files left in ${uploads}: ${left.join(', ')}`);
  const got = digestOf(stored, regions);
  const bad = regions.filter((_, i) => got[i] !== expected[i]);
  if (bad.length)
    throw new Error(`${stored} differs from the source at ${bad.map((r) => `${r.start}+${r.length}`).join(', ')}`);
}

// ---------------------------------------------------------------- one measurement

/** One upload of `kind` to a freshly started vodkit on `host`, in a data dir of its own removed after. */
async function measure(host, kind, { work, source, regions, expected }) {
  const dataDir = mkdtempSync(join(work, `${host}-${kind.key}-`));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const server = await lib.startVodkit({
      host,
      database: 'default',
      args: [
        '--services',
        'api,stream',
        '--data-dir',
        dataDir,
        '--max-upload-bytes',
        String(Math.max(size, 2 * lib.GiB)),
      ],
    });
    try {
      const session = await lib.registerUser(server.base, 'bench_tus');
      const { id: vid } = await lib.createVideo(server.base, 'bench_tus', session);
      const load = lib.load1();
      const { rss: idle, hwm: startHwm } = lib.memoryOf(server.pid);
      // From here VmHWM is the peak of the upload alone (not of the start, nor of the password hash).
      if (!lib.resetPeakRss(server.pid)) throw new Error(`cannot reset VmHWM of ${server.pid} (clear_refs)`);
      const cpuBefore = lib.cpuSeconds(server.pid);
      const clientBefore = process.cpuUsage();
      const watch = lib.watchPeakRss(server.pid, 50);
      let peak;
      const upload = kind.key === 'oneShot' ? oneShot : resumable;
      const r = await upload({ agent, base: server.base, vid, session, source }).finally(() => {
        peak = watch.stop();
      });
      const { hwm } = lib.memoryOf(server.pid);
      const serverCpu = lib.cpuSeconds(server.pid) - cpuBefore;
      const client = process.cpuUsage(clientBefore);
      await verify(server.base, vid, dataDir, regions, expected);
      return {
        ...r,
        mbps: size / r.seconds / 1e6,
        load,
        idle,
        peak,
        hwm,
        lifeHwm: Math.max(startHwm, hwm),
        serverCpuPerGiB: serverCpu / (size / lib.GiB),
        clientCpuPerGiB: (client.user + client.system) / 1e6 / (size / lib.GiB),
        clientSysPerGiB: client.system / 1e6 / (size / lib.GiB),
      };
    } finally {
      await server.stop();
    }
  } finally {
    agent.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the run

const mb = (bytes) => `${lib.fmt(bytes / 1e6, 1)} MB`;
const spreadCell = (values, digits = 0, unit = '') =>
  `${lib.fmt(lib.median(values), digits)}${unit} (${lib.range(values, digits, unit)})`;

async function main() {
  for (const host of hostNames)
    if (!['node', 'bun'].includes(host)) throw new Error(`unknown host "${host}" in BENCH_HOSTS`);
  lib.requireBuilt(...hostNames.map((h) => (h === 'node' ? lib.nodeCli : lib.bunCli)));
  // One upload's file at a time (a part becomes the video's file by a link), and room to spare.
  const { bavail, bsize } = statfsSync(tmpdir());
  const need = size + 512 * lib.MiB;
  if (bavail * bsize < need)
    throw new Error(`${tmpdir()} has ${mb(bavail * bsize)} free; this needs ${mb(need)} (BENCH_UPLOAD_BYTES=${size})`);
  const startLoad = lib.loadAverage();
  const work = lib.workDir('vodkit-bench-resumable-');
  lib.log(`${lib.machineLine()}; work dir ${work} (${mb(bavail * bsize)} free)`);

  const source = makeSource();
  const regions = sampleRegions();
  const expected = regions.map(({ start, length }) => sha256(source.subarray(start, start + length)));
  lib.log(`made a ${mb(size)} source; ${runs} rounds on ${hostNames.join(', ')}, ${mb(chunkBytes)} PATCHes`);

  const results = Object.fromEntries(hostNames.map((h) => [h, Object.fromEntries(kinds.map((k) => [k.key, []]))]));
  const orders = [];
  for (let run = 1; run <= runs; run += 1) {
    const order = run % 2 ? kinds : [...kinds].reverse();
    orders.push(order.map((k) => k.key));
    for (const host of hostNames) {
      for (const kind of order) {
        const r = await measure(host, kind, { work, source, regions, expected });
        results[host][kind.key].push(r);
        const detail =
          kind.key === 'resumable'
            ? `, ${r.requests - 1} PATCHes of median ${lib.fmt(r.patchMs, 1)} ms (p90 ${lib.fmt(r.patchP90, 1)}, last ${lib.fmt(r.lastMs, 1)}), creation ${lib.fmt(r.creationMs, 1)} ms`
            : '';
        lib.log(
          `run ${run}/${runs} ${host} ${kind.label} (load ${lib.fmt(r.load, 2)}): ${lib.fmt(r.mbps)} MB/s in ` +
            `${lib.fmt(r.seconds, 2)} s, peak RSS ${mb(r.hwm)} (polled ${mb(r.peak)}, at rest ${mb(r.idle)}, process life ${mb(r.lifeHwm)}), ` +
            `server ${lib.fmt(r.serverCpuPerGiB, 2)} CPU s/GiB, client ${lib.fmt(r.clientCpuPerGiB, 2)} (system ${lib.fmt(r.clientSysPerGiB, 2)})${detail}`,
        );
      }
    }
  }

  const loads = hostNames.flatMap((h) => kinds.flatMap((k) => results[h][k.key].map((r) => r.load)));
  console.log(
    `\n## Resumable (tus) upload against the one-shot upload, same run\n\n${lib.machineLine()}\n` +
      `Load average at the start: ${startLoad}; 1-min load at the start of each upload ${lib.range(loads, 2)}. ` +
      `${lib.fmt(size / lib.MiB)} MiB per upload, PATCHes of ${lib.fmt(chunkBytes / lib.MiB)} MiB ` +
      `(${Math.ceil(size / chunkBytes)} per upload), ${runs} rounds, the order of the two kinds reversed every ` +
      'other round; a fresh server process per upload (default SQLite store, `--services api,stream`). ' +
      'Peak RSS: the server process’s VmHWM over the upload (reset through /proc/<pid>/clear_refs just ' +
      'before it, after the start and the registration).',
  );

  for (const host of hostNames) {
    console.log(`\n### ${host === 'node' ? 'Node' : 'Bun'} host, round by round\n`);
    lib.printTable(
      [
        'round',
        'first',
        'load',
        'one-shot MB/s',
        'resumable MB/s',
        'ratio',
        'one-shot peak RSS',
        'resumable peak RSS',
        'PATCH median / p90 / last',
        'server CPU s/GiB (one-shot / resumable)',
      ],
      results[host].oneShot.map((one, i) => {
        const tus = results[host].resumable[i];
        return [
          String(i + 1),
          orders[i][0] === 'oneShot' ? 'one-shot' : 'resumable',
          lib.fmt(Math.max(one.load, tus.load), 2),
          lib.fmt(one.mbps),
          lib.fmt(tus.mbps),
          `${lib.fmt(tus.mbps / one.mbps, 2)}×`,
          mb(one.hwm),
          mb(tus.hwm),
          `${lib.fmt(tus.patchMs, 1)} / ${lib.fmt(tus.patchP90, 1)} / ${lib.fmt(tus.lastMs, 1)} ms`,
          `${lib.fmt(one.serverCpuPerGiB, 2)} / ${lib.fmt(tus.serverCpuPerGiB, 2)}`,
        ];
      }),
    );
  }

  console.log(
    `\n### Summary: median (min–max) over the rounds; goals: resumable ≥ ${RATIO_GOAL}× one-shot, resumable peak RSS ≤ ${RSS_GOAL_MB} MB in every round (one-shot's for reference)\n`,
  );
  const verdict = (holds) => (holds ? 'holds' : '**MISSED**');
  lib.printTable(
    [
      'host',
      'one-shot MB/s',
      'resumable MB/s',
      'ratio',
      'verdict',
      'one-shot peak RSS',
      'resumable peak RSS',
      'verdict',
    ],
    hostNames.map((host) => {
      const { oneShot: ones, resumable: tuses } = results[host];
      const ratios = lib.perRound(
        tuses.map((r) => r.mbps),
        ones.map((r) => r.mbps),
      );
      const hwm = (rounds) => rounds.map((r) => r.hwm / 1e6);
      const worst = Math.max(...hwm(tuses));
      return [
        host === 'node' ? 'Node' : 'Bun',
        spreadCell(ones.map((r) => r.mbps)),
        spreadCell(tuses.map((r) => r.mbps)),
        spreadCell(ratios, 2, '×'),
        verdict(lib.median(ratios) >= RATIO_GOAL),
        spreadCell(hwm(ones), 1, ' MB'),
        spreadCell(hwm(tuses), 1, ' MB'),
        verdict(worst <= RSS_GOAL_MB),
      ];
    }),
  );
  console.log(`\nLoad average at the end: ${lib.loadAverage()}`);
}

await lib.runBenchmark(main);
