import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { type Answer, createVideoOf, registerUser, send } from '../support/fault-http.js';
import { mp4Bytes } from '../support/files.js';
import { freshDatabase, mysqlTestUrl, type TestDatabase } from '../support/mysql.js';
import { cliArgs, type Launched, listeningUrl } from '../support/processes.js';
import { bunCli, nodeCli, passedOn } from './support.js';

/**
 * tus uploads (`/upload/videos/:vid/resumable`, `/upload/resumable/:id`) across real vodkit
 * processes sharing one store and one data dir: an instance killed in the middle of a PATCH, two
 * PATCHes racing for one upload, a client that leaves in the middle of its body.
 *
 * The tests run concurrently (a kill test waits out a lease of 10 s), on processes all started
 * before them and killed after the file, rather than through `useProcesses`, whose `afterEach`
 * would kill the processes of the tests still running. They share a store per kind (SQLite, the
 * default file in the shared data dir; MySQL, a fresh database): each test has videos of its own.
 */

/** The lease a PATCH holds on its upload, renewed at every checkpoint (route-groups.ts). */
const LEASE_MS = 10_000;
const TUS = { 'tus-resumable': '1.0.0' } as const;
const BYTES = 'application/offset+octet-stream';
const MB = 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// ---------------------------------------------------------------------------------------------
// Processes and stores

interface Instance {
  url: string;
  launched: Launched;
  name: string;
}

interface Cluster {
  dataDir: string;
  /** Starts an instance on the cluster's data dir (and database); `key` starts it once only. */
  instance(key: string, command: CliCommand): Promise<Instance>;
  /** The user whose videos the tests upload, registered (through `base`) once per store. */
  owner(base: string): Promise<User>;
}

interface User {
  userName: string;
  session: string;
}

type StoreKind = 'sqlite' | 'mysql';

let warned = false;
/**
 * Whether to run a variant on `store`: the MySQL ones need VODKIT_TEST_DATABASE_URL (under CI
 * they run, and fail, without it, as describeMysql's suites do).
 */
const wanted = (store: StoreKind) => {
  if (store === 'sqlite' || mysqlTestUrl !== undefined || process.env.CI) return true;
  if (!warned) console.warn('[vodkit] skipping the MySQL variants of resumable-uploads: set VODKIT_TEST_DATABASE_URL');
  warned = true;
  return false;
};

/**
 * One data dir (and, for MySQL, a fresh database) and the instances started on it; `onEnd`
 * takes what kills them (SIGKILL) and removes the dir and the database.
 */
async function cluster(store: StoreKind, onEnd: (end: () => Promise<void>) => void): Promise<Cluster> {
  if (store === 'mysql' && !mysqlTestUrl) {
    throw new Error('CI is set but VODKIT_TEST_DATABASE_URL is not: the MySQL variants cannot be skipped in CI.');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'vodkit-tus-'));
  const children: ChildProcess[] = [];
  let database: TestDatabase | undefined;
  onEnd(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  if (store === 'mysql') database = await freshDatabase(mysqlTestUrl as string);

  const start = async (command: CliCommand, name: string): Promise<Instance> => {
    const extra = database ? ['--database-url', database.url] : [];
    const [runtime, ...args] = cliArgs(command, ['--port', '0', '--data-dir', dataDir, ...extra]);
    const child = spawn(runtime as string, args, {
      env: { PATH: process.env.PATH ?? '', ...passedOn() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const launched: Launched = {
      child,
      stdout: '',
      stderr: '',
      exit: once(child, 'exit').then(([code, signal]) => ({
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
      })),
    };
    child.stdout?.on('data', (chunk) => {
      launched.stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      launched.stderr += chunk;
    });
    const url = await listeningUrl(launched);
    expect(/"store":"([^"]+)"/.exec(launched.stdout)?.[1], launched.stdout).toBe(store);
    return { url, launched, name };
  };
  const started = new Map<string, Promise<Instance>>();
  const instance = (key: string, command: CliCommand) => {
    let running = started.get(key);
    if (!running) {
      running = start(command, key);
      started.set(key, running);
    }
    return running;
  };
  let owner: Promise<User> | undefined;
  return { dataDir, instance, owner: (base) => (owner ??= registerUser(base, 'uploader')) };
}

/**
 * Clusters shared by the tests of a describe, one per store, made when first asked for and
 * ended after the describe. Their tests share the store and its user: each has videos of its own.
 */
function sharedClusters() {
  const ends: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(ends.splice(0).map((end) => end()));
  });
  const made = new Map<StoreKind, Promise<Cluster>>();
  return (store: StoreKind) => {
    let shared = made.get(store);
    if (!shared) {
      shared = cluster(store, (end) => ends.push(end));
      made.set(store, shared);
    }
    return shared;
  };
}

// ---------------------------------------------------------------------------------------------
// tus requests

const tusSend = (base: string, method: string, path: string, session: string, headers = {}, body?: Uint8Array) =>
  send(base, path, { method, session, headers: { ...TUS, ...headers }, ...(body ? { body } : {}) });

const describeAnswer = (answer: Answer) =>
  `${answer.status} ${JSON.stringify(Object.fromEntries(answer.headers))} ${answer.bytes.toString('utf8').slice(0, 300)}`;

/** A pending video of the user's and a resumable upload of `length` bytes for it. */
async function newUpload(base: string, length: number, user: User) {
  const vid = await createVideoOf(base, user, 'resumable');
  const created = await tusSend(base, 'POST', `/upload/videos/${vid}/resumable`, user.session, {
    'upload-length': String(length),
  });
  expect(created.status, describeAnswer(created)).toBe(201);
  const path = created.headers.get('location') ?? '';
  expect(path).toMatch(/^\/upload\/resumable\/[0-9a-f]{32}$/);
  const uploadId = path.slice('/upload/resumable/'.length);
  return { session: user.session, vid, path, uploadId };
}

type Upload = Awaited<ReturnType<typeof newUpload>>;

/** HEAD: the upload's recorded offset. */
async function offsetOf(base: string, upload: Upload) {
  const answer = await tusSend(base, 'HEAD', upload.path, upload.session);
  expect(answer.status, describeAnswer(answer)).toBe(200);
  return Number(answer.headers.get('upload-offset'));
}

const patch = (base: string, upload: Upload, offset: number, body: Uint8Array) =>
  tusSend(base, 'PATCH', upload.path, upload.session, { 'content-type': BYTES, 'upload-offset': String(offset) }, body);

const expectCode = (answer: Answer, status: number, code: string) => {
  expect(answer.status, describeAnswer(answer)).toBe(status);
  expect(answer.body?.error?.code, describeAnswer(answer)).toBe(code);
  expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
};

/** The upload's bytes on disk, `<dataDir>/uploads/<vid>.<upload id>.part`. */
const partOf = (dataDir: string, upload: Upload) =>
  readFile(join(dataDir, 'uploads', `${upload.vid}.${upload.uploadId}.part`));

/** After the last byte: the video is ready with the right size and streams exactly `file`. */
async function expectReady(base: string, upload: Upload, file: Buffer) {
  const video = await send(base, `/api/videos/${upload.vid}`);
  expect(video.status, describeAnswer(video)).toBe(200);
  expect(video.body).toMatchObject({ id: upload.vid, status: 'ready', size: file.length, content_type: 'video/mp4' });
  const streamed = await send(base, `/stream/videos/${upload.vid}`);
  expect(streamed.status).toBe(200);
  expect(streamed.bytes.length).toBe(file.length);
  expect(sha256(streamed.bytes)).toBe(sha256(file));
  // The upload is over: gone, or (kept until it expires) whole.
  const head = await tusSend(base, 'HEAD', upload.path, upload.session);
  expect([200, 404], describeAnswer(head)).toContain(head.status);
  if (head.status === 200) expect(head.headers.get('upload-offset')).toBe(String(file.length));
}

interface RawAnswer {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: Buffer;
  /** The connection failed (reset, destroyed) before an answer. */
  error?: Error;
}

/**
 * A PATCH over its own node:http connection, its body written by the test: how many bytes were
 * handed to the socket, the answer (or the connection's failure), and the socket to cut.
 */
function rawPatch(base: string, upload: Upload, offset: number, length: number) {
  const url = new URL(base);
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'PATCH',
    path: upload.path,
    agent: false,
    headers: {
      ...TUS,
      'x-session-id': upload.session,
      'content-type': BYTES,
      'upload-offset': String(offset),
      'content-length': String(length),
    },
  });
  let over = false;
  const answer = new Promise<RawAnswer>((resolve) => {
    req.on('response', (response) => {
      over = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', (error) => resolve({ status: response.statusCode, headers: response.headers, error }));
    });
    req.on('error', (error) => {
      over = true;
      resolve({ error });
    });
    req.on('close', () => {
      over = true;
    });
  });
  const raw = {
    sent: 0,
    answer,
    /** Whether the request is over: answered, failed or cut. */
    get over() {
      return over;
    },
    /** Writes `bytes`, waiting for the socket to take them; false once the request is over. */
    async write(bytes: Uint8Array) {
      if (over) return false;
      raw.sent += bytes.length;
      // A failure ends the wait through `answer`.
      if (!req.write(bytes)) await Promise.race([once(req, 'drain').catch(() => {}), answer]);
      return !over;
    },
    /** Cuts the connection, as a client that goes away. */
    cut() {
      req.destroy();
    },
  };
  return raw;
}

type RawPatch = ReturnType<typeof rawPatch>;

/**
 * Writes `bytes` to `raw` in `chunk`-sized writes at `bytesPerSecond`, until they are all sent,
 * the request is over or `stop()` says so; `holdFirst` ms (or until an answer) after the first.
 * Each write waits for a turn of the event loop first, so that an answer already on the socket
 * ends the request before a write to a connection the server has closed fails (EPIPE) and hides it.
 */
async function pace(
  raw: RawPatch,
  bytes: Uint8Array,
  options: { chunk: number; bytesPerSecond: number; stop?: () => boolean; holdFirst?: number },
) {
  const { chunk, bytesPerSecond, stop = () => false, holdFirst = 0 } = options;
  let started = performance.now();
  for (let at = 0; at < bytes.length; at += chunk) {
    await setImmediate();
    if (stop() || raw.over) return;
    if (!(await raw.write(bytes.subarray(at, at + chunk)))) return;
    if (at === 0 && holdFirst > 0) {
      await Promise.race([sleep(holdFirst), raw.answer]);
      started = performance.now() - (chunk / bytesPerSecond) * 1000;
    }
    const due = started + ((at + chunk) / bytesPerSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

const parseJson = (answer: RawAnswer) => {
  try {
    return answer.body?.length ? JSON.parse(answer.body.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
};

const describeRaw = (answer: RawAnswer) =>
  answer.error
    ? `failed: ${answer.error.message}`
    : `${answer.status} ${JSON.stringify(answer.headers)} ${answer.body?.toString('utf8').slice(0, 300)}`;

// ---------------------------------------------------------------------------------------------
// The instances: per store, two on Node that live through the file and, on SQLite, one on Bun;
// and the victims, one per kill test, started with them on the same data dir and store.

type InstanceSpec = [StoreKind, string, CliCommand];
const NODE_A = 'node A';
const NODE_B = 'node B';
const BUN = 'bun';

/** The store's name, B's runtime, the store, B (an instance that lives on), the victim. */
type KillVariant = [string, string, StoreKind, InstanceSpec, InstanceSpec];
const killVariants = (
  [
    ['SQLite', 'Node', 'sqlite', ['sqlite', NODE_B, nodeCli], ['sqlite', 'victim of the Node pair', nodeCli]],
    ['MySQL', 'Node', 'mysql', ['mysql', NODE_B, nodeCli], ['mysql', 'victim', nodeCli]],
    ['SQLite', 'Bun', 'sqlite', ['sqlite', BUN, bunCli], ['sqlite', 'victim of the Node-Bun pair', nodeCli]],
  ] as KillVariant[]
).filter(([, , store]) => wanted(store));

/** The variant's name, its store, the instances the two PATCHes go to. */
type RaceVariant = [string, StoreKind, InstanceSpec[]];
const raceVariants = (
  [
    ['one instance (Node), SQLite', 'sqlite', [['sqlite', NODE_A, nodeCli]]],
    [
      'two instances (Node, Node), SQLite',
      'sqlite',
      [
        ['sqlite', NODE_A, nodeCli],
        ['sqlite', NODE_B, nodeCli],
      ],
    ],
    [
      'two instances (Node, Bun), SQLite',
      'sqlite',
      [
        ['sqlite', NODE_A, nodeCli],
        ['sqlite', BUN, bunCli],
      ],
    ],
    [
      'two instances (Node, Node), MySQL',
      'mysql',
      [
        ['mysql', NODE_A, nodeCli],
        ['mysql', NODE_B, nodeCli],
      ],
    ],
  ] as RaceVariant[]
).filter(([, store]) => wanted(store));

/** The variant's name, its store, the instance. */
type LeaveVariant = [string, StoreKind, InstanceSpec];
const leaveVariants = (
  [
    ['Node, SQLite', 'sqlite', ['sqlite', NODE_A, nodeCli]],
    ['Bun, SQLite', 'sqlite', ['sqlite', BUN, bunCli]],
    ['Node, MySQL', 'mysql', ['mysql', NODE_A, nodeCli]],
  ] as LeaveVariant[]
).filter(([, store]) => wanted(store));

describe.concurrent('resumable uploads on vodkit processes sharing a store and a data dir', () => {
  const clusters = sharedClusters();
  const instance = async ([store, key, command]: InstanceSpec) => (await clusters(store)).instance(key, command);
  const dataDirOf = async (store: StoreKind) => (await clusters(store)).dataDir;
  const owner = async (store: StoreKind, through: Instance) => (await clusters(store)).owner(through.url);

  // Every process starts at once, before the tests: a test's time is its own work.
  beforeAll(async () => {
    const specs = [
      ...killVariants.flatMap(([, , , b, victim]) => [b, victim]),
      ...raceVariants.flatMap(([, , targets]) => targets),
      ...leaveVariants.map(([, , target]) => target),
    ];
    const instances = await Promise.all(specs.map(instance));
    // And each store's user is registered: its password's hash is slow on a busy machine.
    await Promise.all(specs.map(([store], i) => owner(store, instances[i] as Instance)));
  });

  // -------------------------------------------------------------------------------------------
  // 1. An instance killed in the middle of a long PATCH

  /**
   * 24 MB at 4 MB/s: 6 s of body, so that A checkpoints (2 s in) well before its end, and is
   * killed with most of the body still to come.
   */
  const KILL_FILE_BYTES = 24 * MB;
  const KILL_RATE = 4 * MB;
  /** How long B's PATCHes may be refused after the kill: a lease, and room for a loaded machine. */
  const LAPSE_BY_MS = LEASE_MS + 2_500;

  describe('an instance killed with SIGKILL in the middle of a PATCH', () => {
    it.for(killVariants)(
      '%s, A on Node, B on %s: B resumes from the last checkpoint once A’s lease lapses',
      async ([storeName, bName, store, bSpec, victim], context) => {
        const { expect } = context;
        const [a, b, dataDir] = await Promise.all([instance(victim), instance(bSpec), dataDirOf(store)]);
        const file = mp4Bytes(KILL_FILE_BYTES);
        const upload = await newUpload(a.url, file.length, await owner(store, a));

        // The long PATCH to A, paced; B's HEAD watched meanwhile: a change is a checkpoint of A's.
        const raw = rawPatch(a.url, upload, 0, file.length);
        let killedAt = 0;
        const sending = pace(raw, file, { chunk: 256 * 1024, bytesPerSecond: KILL_RATE, stop: () => killedAt > 0 });
        const polls: { sentAt: number; offset: number }[] = [];
        const patchStarted = performance.now();
        let sentAtKill = 0;
        while (!raw.over) {
          const sentAt = performance.now();
          const offset = await offsetOf(b.url, upload);
          polls.push({ sentAt, offset });
          // A checkpoint, and the lease renewed with it: a little more is sent, then the kill.
          if (offset > 0) {
            await sleep(200);
            if (raw.over) break;
            sentAtKill = raw.sent;
            killedAt = performance.now();
            a.launched.child.kill('SIGKILL');
            break;
          }
          await sleep(50);
        }
        expect(killedAt, `A answered before any checkpoint: ${describeRaw(await raw.answer)}`).toBeGreaterThan(0);
        expect((await a.launched.exit).signal).toBe('SIGKILL');
        await sending;
        const cut = await raw.answer;
        expect(cut.status, 'the PATCH killed with A has no answer').toBeUndefined();
        expect(sentAtKill).toBeLessThan(file.length);

        // B's HEAD: the last durable checkpoint, no further than what was sent.
        const offset = await offsetOf(b.url, upload);
        expect(offset).toBeGreaterThan(0);
        expect(offset).toBeLessThanOrEqual(sentAtKill);
        expect(offset).toBeGreaterThanOrEqual(polls.at(-1)?.offset ?? 0);
        // Its bytes are the file's: the part holds at least them (maybe more, written since and not recorded).
        const part = await partOf(dataDir, upload);
        expect(part.length).toBeGreaterThanOrEqual(offset);
        expect(part.subarray(0, offset).equals(file.subarray(0, offset)), 'the recorded bytes are the file’s').toBe(
          true,
        );

        // A's lease outlives it: B refuses to append until it lapses, then takes the bytes from the offset.
        const probe = file.subarray(offset, offset + 256 * 1024);
        let refusals = 0;
        let resumed: Answer | undefined;
        let resumedAt = 0;
        while (performance.now() - killedAt < LAPSE_BY_MS + 2_500) {
          const answer = await patch(b.url, upload, offset, probe);
          if (answer.status === 409 && answer.body?.error?.code === 'UPLOAD_LOCKED') {
            expect(answer.headers.get('retry-after')).toBe('1');
            expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
            refusals++;
            await sleep(200);
            continue;
          }
          resumed = answer;
          resumedAt = performance.now();
          break;
        }
        expect(refusals, 'B appended while A’s lease was live').toBeGreaterThan(0);
        expect(resumed, `A's lease did not lapse within ${LAPSE_BY_MS + 2_500} ms of the kill`).toBeDefined();
        expect(resumed?.status, resumed && describeAnswer(resumed)).toBe(204);
        expect(resumed?.headers.get('upload-offset')).toBe(String(offset + probe.length));
        // The lease ran a whole lease from A's last checkpoint, which came after the last poll that
        // did not see its offset (a second of slack for the store's write): it was renewed there,
        // where the lease taken at the start of the PATCH, 2 s and more before, would have lapsed
        // sooner. And it lapsed at most a lease after the kill.
        const checkpointAfter = Math.max(...polls.filter((poll) => poll.offset < offset).map((poll) => poll.sentAt));
        const lockedFor = resumedAt - checkpointAfter;
        expect(lockedFor, 'the lease ran from the last checkpoint').toBeGreaterThanOrEqual(LEASE_MS - 1_000);
        expect(resumedAt - killedAt, 'the lease lapsed').toBeLessThanOrEqual(LAPSE_BY_MS);

        const rest = await patch(b.url, upload, offset + probe.length, file.subarray(offset + probe.length));
        expect(rest.status, describeAnswer(rest)).toBe(204);
        expect(rest.headers.get('upload-offset')).toBe(String(file.length));
        await expectReady(b.url, upload, file);
        console.info(
          `[resumable kill ${storeName}, B on ${bName}] sent ${sentAtKill} bytes in ${Math.round(killedAt - patchStarted)} ms; B's HEAD ${offset}; ${refusals} UPLOAD_LOCKED, lapsed ${Math.round(resumedAt - killedAt)} ms after the kill (≥ ${Math.round(lockedFor)} ms after the checkpoint)`,
        );
      },
    );
  });

  // -------------------------------------------------------------------------------------------
  // 2. Two PATCHes racing for one upload

  const RACE_FILE_BYTES = 6 * MB;
  /** Each racing PATCH carries this much, over 2 s: they overlap for certain. */
  const RACE_PATCH_BYTES = 2 * MB;
  const RACE_RATE = 1 * MB;

  describe('two PATCHes at one offset of one upload', () => {
    it.for(raceVariants)(
      '%s: one appends, the other is refused; the file is exactly the winner’s',
      async ([name, store, targets], context) => {
        const { expect } = context;
        const instances = await Promise.all(targets.map(instance));
        const dataDir = await dataDirOf(store);
        const first = instances[0] as Instance;
        const second = instances.at(-1) as Instance;
        // Two candidate files: one video header, different bytes after it.
        const candidates = [mp4Bytes(RACE_FILE_BYTES), mp4Bytes(RACE_FILE_BYTES)] as const;
        candidates[0].copy(candidates[1], 0, 0, 64);
        expect(candidates[0].subarray(64, 128).equals(candidates[1].subarray(64, 128))).toBe(false);
        const upload = await newUpload(first.url, RACE_FILE_BYTES, await owner(store, first));

        // Both PATCHes from offset 0, their headers and first bytes sent together; the one not
        // refused goes on, paced, for 2 s.
        const racers = [
          rawPatch(first.url, upload, 0, RACE_PATCH_BYTES),
          rawPatch(second.url, upload, 0, RACE_PATCH_BYTES),
        ];
        const sending = racers.map((raw, i) =>
          pace(raw, (candidates[i] as Buffer).subarray(0, RACE_PATCH_BYTES), {
            chunk: 64 * 1024,
            bytesPerSecond: RACE_RATE,
            holdFirst: 300,
          }),
        );
        // The recorded offset, watched on the second instance while they run, with what each had
        // sent by its answer: never past what the winner wrote, never back.
        const seen: { offset: number; sent: number[] }[] = [];
        const watching = (async () => {
          while (!racers.every((raw) => raw.over)) {
            const offset = await offsetOf(second.url, upload);
            seen.push({ offset, sent: racers.map((raw) => raw.sent) });
            await sleep(50);
          }
        })();
        const answers = await Promise.all(racers.map((raw) => raw.answer));
        await Promise.all([...sending, watching]);
        const statuses = answers.map((answer) => answer.status);
        expect([...statuses].sort(), `exactly one PATCH appends: ${answers.map(describeRaw).join(' | ')}`).toEqual([
          204, 409,
        ]);
        const winner = statuses.indexOf(204);
        const loser = 1 - winner;
        const won = answers[winner] as RawAnswer;
        const lost = answers[loser] as RawAnswer;
        expect(won.headers?.['upload-offset']).toBe(String(RACE_PATCH_BYTES));
        // Refused while the winner holds the upload (or, had it finished already, for its offset).
        expect(['UPLOAD_LOCKED', 'UPLOAD_OFFSET_MISMATCH']).toContain(parseJson(lost)?.error?.code);
        // And refused at once, not after writing alongside the winner.
        expect(racers[loser]?.sent, 'the loser was refused before its body was through').toBeLessThan(RACE_PATCH_BYTES);
        let previous = 0;
        for (const { offset, sent } of seen) {
          expect(offset).toBeGreaterThanOrEqual(previous);
          expect(offset).toBeLessThanOrEqual(sent[winner] as number);
          previous = offset;
        }

        // The recorded offset is the winner's bytes, and the part holds those bytes alone.
        expect(await offsetOf(second.url, upload)).toBe(RACE_PATCH_BYTES);
        const file = candidates[winner] as Buffer;
        const part = await partOf(dataDir, upload);
        expect(part.length).toBe(RACE_PATCH_BYTES);
        expect(part.equals(file.subarray(0, RACE_PATCH_BYTES)), 'the part is the winner’s bytes alone').toBe(true);

        // The loser, retried after the winner's answer at its stale offset: refused, nothing changes.
        const stale = await patch(second.url, upload, 0, (candidates[loser] as Buffer).subarray(0, 1024));
        expectCode(stale, 409, 'UPLOAD_OFFSET_MISMATCH');
        expect(stale.headers.get('upload-offset')).toBe(String(RACE_PATCH_BYTES));

        // Finished from the other instance with the winner's rest: the file is exactly the winner's.
        const rest = await patch(second.url, upload, RACE_PATCH_BYTES, file.subarray(RACE_PATCH_BYTES));
        expect(rest.status, describeAnswer(rest)).toBe(204);
        await expectReady(first.url, upload, file);
        const streamed = await send(second.url, `/stream/videos/${upload.vid}`);
        expect(sha256(streamed.bytes)).not.toBe(sha256(candidates[loser] as Buffer));
        console.info(
          `[resumable race ${name}] ${statuses.join('/')}; loser ${parseJson(lost)?.error?.code} after ${racers[loser]?.sent} bytes; offsets seen ${[...new Set(seen.map(({ offset }) => offset))].join(',')}`,
        );
      },
    );
  });

  // -------------------------------------------------------------------------------------------
  // 3. A client that leaves in the middle of its PATCH

  const LEAVE_FILE_BYTES = 8 * MB;
  /** Sent before the first cut, which comes once the server has had time to take it all. */
  const LEAVE_SENT = 3.5 * MB;
  /** Sent before the second cut, which comes as soon as the bytes are handed to the socket. */
  const LEAVE_SENT_AGAIN = 1.5 * MB;
  /** How soon after its client leaves a PATCH must have given its lease back. */
  const RELEASED_WITHIN_MS = 2_000;

  /** Writes `bytes` at once, in 64 kB writes, to a PATCH that must stay open meanwhile. */
  const writeAll = async (raw: RawPatch, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      const more = await raw.write(bytes.subarray(at, at + 64 * 1024));
      expect(more, `the PATCH ended before its cut: ${raw.over && describeRaw(await raw.answer)}`).toBe(true);
    }
  };

  /**
   * A PATCH of `body` at `offset` once the upload is free: refused with UPLOAD_LOCKED only until
   * `deadline` (the lease of a request whose client left is given back at once).
   */
  const patchWhenFree = async (base: string, upload: Upload, offset: number, body: Uint8Array, deadline: number) => {
    for (;;) {
      const answer = await patch(base, upload, offset, body);
      const locked = answer.status === 409 && answer.body?.error?.code === 'UPLOAD_LOCKED';
      if (!locked || performance.now() > deadline) return answer;
      await sleep(100);
    }
  };

  describe('a client that cuts its connection in the middle of a PATCH', () => {
    it.for(leaveVariants)(
      '%s: HEAD gives what reached the file, the lease is free, the upload finishes from there',
      async ([name, store, target], context) => {
        const { expect } = context;
        const [server, dataDir] = await Promise.all([instance(target), dataDirOf(store)]);
        const file = mp4Bytes(LEAVE_FILE_BYTES);
        const upload = await newUpload(server.url, file.length, await owner(store, server));
        const expectRecorded = async (offset: number) => {
          const part = await partOf(dataDir, upload);
          expect(part.length).toBeGreaterThanOrEqual(offset);
          expect(part.subarray(0, offset).equals(file.subarray(0, offset)), 'the recorded bytes are the file’s').toBe(
            true,
          );
        };

        // Cut once the bytes have had time to reach the server: every one of them is recorded.
        const first = rawPatch(server.url, upload, 0, file.length);
        await writeAll(first, file.subarray(0, LEAVE_SENT));
        await sleep(1_000);
        expect(first.over).toBe(false);
        first.cut();
        expect((await first.answer).status).toBeUndefined();
        const cutAt = performance.now();
        let offset = 0;
        while (performance.now() - cutAt < 5_000) {
          offset = await offsetOf(server.url, upload);
          if (offset >= LEAVE_SENT) break;
          await sleep(50);
        }
        const recordedAfter = performance.now() - cutAt;
        expect(offset, 'HEAD after the cut: every byte that reached the server').toBe(LEAVE_SENT);
        await expectRecorded(offset);

        // Its lease is given back with it: the next PATCH appends at once.
        const step = file.subarray(offset, offset + 64 * 1024);
        const next = await patchWhenFree(server.url, upload, offset, step, cutAt + RELEASED_WITHIN_MS);
        expect(next.status, describeAnswer(next)).toBe(204);
        offset += step.length;
        expect(next.headers.get('upload-offset')).toBe(String(offset));

        // Cut again the moment the bytes are handed over: some may still be on their way, or
        // queued in the server, when it learns the client has gone. HEAD gives no more than was
        // sent, and what it gives is the file's.
        const second = rawPatch(server.url, upload, offset, file.length - offset);
        await writeAll(second, file.subarray(offset, offset + LEAVE_SENT_AGAIN));
        second.cut();
        expect((await second.answer).status).toBeUndefined();
        const cutAgainAt = performance.now();
        const before = offset;
        for (;;) {
          offset = await offsetOf(server.url, upload);
          if (offset > before || performance.now() - cutAgainAt > 1_000) break;
          await sleep(50);
        }
        expect(offset).toBeGreaterThanOrEqual(before);
        expect(offset).toBeLessThanOrEqual(before + LEAVE_SENT_AGAIN);
        await expectRecorded(offset);

        // And the upload finishes from there.
        let rest = await patchWhenFree(
          server.url,
          upload,
          offset,
          file.subarray(offset),
          cutAgainAt + RELEASED_WITHIN_MS,
        );
        if (rest.status === 409 && rest.body?.error?.code === 'UPLOAD_OFFSET_MISMATCH') {
          // The second cut's bytes were recorded after the HEAD above: from where it says now.
          offset = Number(rest.headers.get('upload-offset'));
          expect(offset).toBeLessThanOrEqual(before + LEAVE_SENT_AGAIN);
          await expectRecorded(offset);
          rest = await patch(server.url, upload, offset, file.subarray(offset));
        }
        expect(rest.status, describeAnswer(rest)).toBe(204);
        expect(rest.headers.get('upload-offset')).toBe(String(file.length));
        await expectReady(server.url, upload, file);
        console.info(
          `[resumable cut ${name}] cut after a wait: ${LEAVE_SENT} sent, recorded within ${Math.round(recordedAfter)} ms; cut at once: ${LEAVE_SENT_AGAIN} sent, ${offset - before} recorded`,
        );
      },
    );
  });
});
