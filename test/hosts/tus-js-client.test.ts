import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DetailedError,
  defaultOptions,
  type PreviousUpload,
  Upload,
  type UploadOptions,
  type UrlStorage,
} from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mp4Bytes, webmBytes } from '../support/files.js';
import { hostNames, useHost } from '../support/hosts.js';
import { call, register } from '../support/server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * tus-js-client, a tus client written elsewhere, against vodkit's tus 1.0 routes on each host:
 * whole uploads in chunks, uploads stopped by the client and resumed by another Upload, uploads
 * whose connections the network cuts mid-PATCH, termination, and refused creations.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
/** A little over 3 MiB: not a whole number of chunks, nor of the server's 1 MiB write batches. */
const SIZE = 3 * MiB + 12_345;
const CHUNK = 256 * KiB;
const TUS = { 'tus-resumable': '1.0.0' };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What one Upload did until it ended. */
interface Run {
  outcome: 'success' | 'error' | 'aborted';
  error?: DetailedError;
  /** Bytes of the chunks the server accepted during this run. */
  accepted: number;
  /** Upload-Offset of each PATCH it sent, in order. */
  patches: number[];
  /** Upload-Offset of each HEAD answer it read, in order. */
  heads: number[];
  /** Each onShouldRetry call: the status that failed (0 without an answer) and the attempt. */
  retries: { status: number; attempt: number }[];
  /** The upload's URL, once it had one. */
  url: string | null;
}

interface RunControl {
  /** `upload.abort()` in onChunkComplete once this many bytes are accepted. */
  abortOnceAccepted?: number;
  /** Resumes the first upload the URL storage holds for this file, as an app does after a reload. */
  fromPrevious?: boolean;
  /** Called before the Upload starts, with `stop`: `upload.abort()`, the run ending as aborted. */
  started?: (upload: Upload, stop: () => void) => void;
}

/** Runs one tus-js-client Upload to its end (success, error, or the abort asked for), recording what it sent. */
async function runUpload(
  file: Buffer | ReturnType<typeof createReadStream>,
  options: UploadOptions,
  control: RunControl = {},
) {
  const record: Omit<Run, 'outcome' | 'url'> = { accepted: 0, patches: [], heads: [], retries: [] };
  let upload: Upload | undefined;
  let end = (_outcome: Run['outcome'], _error?: DetailedError) => {};
  const ended = new Promise<Run>((resolve) => {
    end = (outcome, error) => resolve({ ...record, outcome, error, url: upload?.url ?? null });
    upload = new Upload(file, {
      ...options,
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') record.patches.push(Number(req.getHeader('Upload-Offset')));
      },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD') record.heads.push(Number(res.getHeader('Upload-Offset')));
      },
      onChunkComplete: (chunkSize, accepted) => {
        record.accepted += chunkSize;
        if (control.abortOnceAccepted !== undefined && accepted >= control.abortOnceAccepted) stop();
      },
      onShouldRetry: (error, attempt, retryOptions) => {
        record.retries.push({ status: error.originalResponse?.getStatus() ?? 0, attempt });
        // Then what tus-js-client decides by itself.
        return defaultOptions.onShouldRetry?.(error, attempt, retryOptions) ?? false;
      },
      onSuccess: () => end('success'),
      onError: (error) => end('error', error as DetailedError),
    });
  });
  if (!upload) throw new Error('no Upload');
  const stop = () => {
    void upload?.abort();
    end('aborted');
  };
  if (control.fromPrevious) {
    const previous = await upload.findPreviousUploads();
    expect(previous).toHaveLength(1);
    upload.resumeFromPreviousUpload(previous[0] as PreviousUpload);
  }
  control.started?.(upload, stop);
  upload.start();
  return ended;
}

/** tus-js-client's URL storage kept in memory, as a browser app keeps it in localStorage. */
class MemoryUrlStorage implements UrlStorage {
  readonly uploads = new Map<string, PreviousUpload & { fingerprint: string }>();
  #next = 0;
  async findAllUploads() {
    return [...this.uploads.values()];
  }
  async findUploadsByFingerprint(fingerprint: string) {
    return [...this.uploads.values()].filter((upload) => upload.fingerprint === fingerprint);
  }
  async removeUpload(key: string) {
    this.uploads.delete(key);
  }
  async addUpload(fingerprint: string, upload: PreviousUpload) {
    const key = `tus::${fingerprint}::${++this.#next}`;
    this.uploads.set(key, { ...upload, fingerprint, urlStorageKey: key });
    return key;
  }
}

/** The offset HEAD answers for an upload URL (any host or proxy), and its status. */
async function headOf(url: string, session: string) {
  const response = await fetch(url, { method: 'HEAD', headers: { ...TUS, 'x-session-id': session } });
  const offset = response.headers.get('upload-offset');
  return { status: response.status, offset: offset === null ? undefined : Number(offset), headers: response.headers };
}

/** The video is ready with the size of `bytes`, and streams exactly them. */
async function expectStored(base: string, vid: string, bytes: Buffer) {
  const video = await call(base, 'GET', `/api/videos/${vid}`);
  expect(video.status).toBe(200);
  expect(video.body).toMatchObject({ status: 'ready', size: bytes.length });
  const streamed = await fetch(`${base}/stream/videos/${vid}`);
  expect(streamed.status).toBe(200);
  const got = Buffer.from(await streamed.arrayBuffer());
  expect(got.length).toBe(bytes.length);
  expect(sha256(got)).toBe(sha256(bytes));
}

/** The JSON error body of a tus-js-client error's answer. */
const errorBodyOf = (error: DetailedError | undefined) => JSON.parse(error?.originalResponse?.getBody() ?? 'null');

/** What the tap does with a PATCH once it has forwarded a piece of it. */
type TapAction = 'cut' | 'cut-answer' | undefined;

/**
 * A pass-through in front of vodkit that sees each PATCH's bytes go by (its head included), so a
 * test acts at a known point of a PATCH, knowing what vodkit was sent of it. `watch(fn)` calls
 * `fn(patch, bytes)` after each piece is forwarded, `patch` counting the PATCHes since, from 1,
 * over all connections; `fn` answers
 * - `'cut'`: every connection through the tap is cut there: vodkit gets the bytes forwarded so
 *   far and the end of the connection, nothing more, as when a network link goes down;
 * - `'cut-answer'`: the request goes on whole, but its answer never comes back: the connection
 *   is cut as the first bytes of it reach the tap.
 */
async function startTap(target: string) {
  const { hostname, port } = new URL(target);
  let patches = 0;
  let since = 0;
  let watcher: ((patch: number, bytes: number) => TapAction) | undefined;
  const links = new Set<{ client: Socket; upstream: Socket }>();
  const cutAll = () => {
    for (const link of links) {
      link.client.destroy();
      // end(): what was written reaches vodkit, then the end of the connection.
      link.upstream.end();
    }
    links.clear();
  };
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const link = { client, upstream };
    links.add(link);
    let patch = 0;
    let bytes = 0;
    let cutOnAnswer = false;
    client.on('data', (chunk: Buffer) => {
      const at = chunk.indexOf('PATCH /upload/resumable/');
      if (at >= 0) {
        patch = ++patches;
        bytes = chunk.length - at;
      } else bytes += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
      const action = patch > since ? watcher?.(patch - since, bytes) : undefined;
      if (action === 'cut') cutAll();
      if (action === 'cut-answer') cutOnAnswer = true;
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutOnAnswer) cutAll();
      else client.write(chunk);
    });
    client.on('close', () => {
      links.delete(link);
      upstream.end();
    });
    upstream.on('close', () => {
      links.delete(link);
      client.destroy();
    });
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    watch(fn: typeof watcher) {
      watcher = fn;
      since = patches;
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(hostNames)('tus-js-client 4.3.1 uploading through the %s host', (name) => {
  const host = useHost(name);
  // Two users for the file: a registration hashes a password, slowly on a busy machine.
  let owner: { userName: string; session: string };
  let stranger: { userName: string; session: string };
  /** A new pending video of the owner's, and the tus creation URL for it on `base`. */
  const fresh = async (base = host.url) => {
    const created = await call(host.url, 'POST', `/api/user/${owner.userName}/videos`, {
      session: owner.session,
      body: { name: 'resumable' },
    });
    expect(created.status).toBe(201);
    const vid = created.body.id as string;
    return { vid, endpoint: `${base}/upload/videos/${vid}/resumable`, headers: { 'X-Session-Id': owner.session } };
  };

  // tus-js-client → the proxy the test cuts → a tap that sees PATCH bodies go by → vodkit.
  let tap: Awaited<ReturnType<typeof startTap>>;
  let proxy: TcpProxy;
  let scratch: string;
  beforeAll(async () => {
    owner = await register(host.url, 'tus_owner');
    stranger = await register(host.url, 'tus_stranger');
    tap = await startTap(host.url);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: tap.port });
    scratch = await mkdtemp(join(tmpdir(), 'vodkit-tus-js-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await tap?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('uploads a file from disk in 256 KiB PATCHes: the video is ready with exactly its bytes', async () => {
    const bytes = mp4Bytes(SIZE);
    const path = join(scratch, 'whole.mp4');
    await writeFile(path, bytes);
    const { vid, endpoint, headers } = await fresh();
    const progress: number[] = [];
    const run = await runUpload(createReadStream(path), {
      endpoint,
      headers,
      chunkSize: CHUNK,
      retryDelays: null,
      onProgress: (sent) => progress.push(sent),
    });
    expect(run.error?.message).toBeUndefined();
    expect(run.outcome).toBe('success');
    expect(run.url).toMatch(new RegExp(`^${host.url}/upload/resumable/[0-9a-f]{32}$`));
    const chunks = Math.ceil(SIZE / CHUNK);
    expect(run.patches).toEqual(Array.from({ length: chunks }, (_, i) => i * CHUNK));
    expect(run.accepted).toBe(SIZE);
    expect(run.retries).toEqual([]);
    expect(progress.at(-1)).toBe(SIZE);
    await expectStored(host.url, vid, bytes);
    // The finished upload still says so, until it expires.
    const after = await headOf(run.url ?? '', headers['X-Session-Id']);
    expect(after.status).toBe(200);
    expect(after.headers.get('upload-offset')).toBe(String(SIZE));
  });

  describe('stopped by upload.abort() once a share of the file is accepted, then resumed by a new Upload', () => {
    it.each([
      ['1 %', 'uploadUrl', 0.01],
      ['40 %', 'uploadUrl', 0.4],
      ['90 %', 'findPreviousUploads', 0.9],
    ] as const)('after %s, resumed with %s', async (_label, how, share) => {
      const bytes = webmBytes(SIZE);
      const { vid, endpoint, headers } = await fresh();
      const urlStorage = new MemoryUrlStorage();
      const options: UploadOptions = { endpoint, headers, chunkSize: CHUNK, retryDelays: null, urlStorage };
      const first = await runUpload(bytes, options, { abortOnceAccepted: Math.ceil(SIZE * share) });
      expect(first.outcome).toBe('aborted');
      const stoppedAt = first.accepted;
      expect(stoppedAt).toBeGreaterThanOrEqual(SIZE * share);
      expect(stoppedAt).toBeLessThan(SIZE);
      expect(urlStorage.uploads.size).toBe(1);

      // What the server holds: every accepted byte, no more.
      const before = await headOf(first.url ?? '', headers['X-Session-Id']);
      expect([before.status, before.offset]).toEqual([200, stoppedAt]);
      expect(before.headers.get('upload-length')).toBe(String(SIZE));
      expect((await call(host.url, 'GET', `/api/videos/${vid}`)).body.status).toBe('pending');

      const second = await runUpload(bytes, how === 'uploadUrl' ? { ...options, uploadUrl: first.url } : options, {
        fromPrevious: how === 'findPreviousUploads',
      });
      expect(second.error?.message).toBeUndefined();
      expect(second.outcome).toBe('success');
      expect(second.url).toBe(first.url);
      // It asked where to go on, and sent only the rest.
      expect(second.heads).toEqual([stoppedAt]);
      expect(second.patches[0]).toBe(stoppedAt);
      expect(second.accepted).toBe(SIZE - stoppedAt);
      expect(second.retries).toEqual([]);
      await expectStored(host.url, vid, bytes);
    });
  });

  /**
   * Cuts the network as `plan` says: on a cut the tap ends vodkit's side, and the proxy resets
   * tus-js-client's connection and every new one for `downMs`, then lets them through again.
   */
  const cutting = (plan: (patch: number, bytes: number) => TapAction, downMs = 150) => {
    tap.watch((patch, bytes) => {
      const action = plan(patch, bytes);
      if (action === 'cut') {
        proxy.cut();
        setTimeout(() => proxy.restore(), downMs);
      }
      return action;
    });
  };

  it('the network cut twice in the middle of a PATCH body: tus-js-client retries by itself and finishes', async () => {
    const bytes = mp4Bytes(SIZE);
    const { vid, endpoint, headers } = await fresh(`http://127.0.0.1:${proxy.port}`);
    // One PATCH for the whole file (no chunkSize), cut once vodkit got 2.4 MiB of it; the PATCH
    // sent on from where vodkit says, cut once vodkit got 0.4 MiB more.
    const cutAt = [2.4 * MiB, 0.4 * MiB];
    const cuts: number[] = [];
    const run = await runUpload(
      bytes,
      { endpoint, headers, retryDelays: [0, 100, 200, 400, 800, 1600, 3200] },
      {
        started: () =>
          cutting((patch, sent) => {
            if (patch !== cuts.length + 1 || sent < (cutAt[patch - 1] ?? Number.POSITIVE_INFINITY)) return undefined;
            cuts.push(sent);
            return 'cut';
          }),
      },
    );
    tap.watch(undefined);
    expect(run.error?.message).toBeUndefined();
    expect(run.outcome).toBe('success');
    expect(cuts).toHaveLength(2);
    await expectStored(host.url, vid, bytes);

    // It retried by itself: at least once per cut on a request that got no answer (the first
    // retries, while the proxy still resets connections, fail the same way).
    const noAnswer = run.retries.filter((retry) => retry.status === 0);
    expect(noAnswer.length, JSON.stringify(run.retries)).toBeGreaterThanOrEqual(2);
    // Other failures can only be vodkit still closing the cut PATCH (409: held, or its offset moved).
    expect(run.retries.every((retry) => retry.status === 0 || retry.status === 409)).toBe(true);
    // Resumed, not restarted: after the first cut it asked vodkit, which kept part of what it
    // got, and sent on from there; the server took the file once.
    expect(run.patches[0]).toBe(0);
    expect(run.heads.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...run.heads)).toBeGreaterThan(0);
    // Every HEAD says no more than vodkit got: of the first PATCH, then of both.
    expect(Math.min(...run.heads.filter((offset) => offset > 0))).toBeLessThanOrEqual(cuts[0] ?? 0);
    expect(Math.max(...run.heads)).toBeLessThanOrEqual((cuts[0] ?? 0) + (cuts[1] ?? 0));
    expect(run.patches.at(-1)).toBe(Math.max(...run.heads));
    expect(run.accepted).toBe(SIZE - Math.max(...run.heads));
  });

  /**
   * A finished upload answers HEAD with Upload-Offset = Upload-Length until it expires, so a client
   * that lost the last PATCH's answer learns that it succeeded: tus-js-client checks offset ===
   * length after its HEAD and ends in onSuccess, sending nothing again.
   */
  it('the answer to the last PATCH lost: tus-js-client asks with HEAD and ends in success', async () => {
    const bytes = mp4Bytes(SIZE);
    const { vid, endpoint, headers } = await fresh(`http://127.0.0.1:${proxy.port}`);
    const last = Math.ceil(SIZE / CHUNK);
    const run = await runUpload(
      bytes,
      { endpoint, headers, chunkSize: CHUNK, retryDelays: [0, 50, 50] },
      { started: () => cutting((patch) => (patch === last ? 'cut-answer' : undefined)) },
    );
    tap.watch(undefined);
    await expectStored(host.url, vid, bytes);
    expect(run.patches).toHaveLength(last);
    // The retry's HEAD says the upload is whole.
    expect(run.heads).toEqual([SIZE]);
    expect(run.retries).toEqual([{ status: 0, attempt: 0 }]);
    expect(run.error?.message).toBeUndefined();
    expect(run.outcome).toBe('success');
  });

  it('Upload.terminate ends an upload: HEAD and PATCH are 404 after it, and the video takes a new upload', async () => {
    const bytes = mp4Bytes(SIZE);
    const { vid, endpoint, headers } = await fresh();
    const session = headers['X-Session-Id'];
    const options: UploadOptions = { endpoint, headers, chunkSize: CHUNK, retryDelays: null };
    const first = await runUpload(bytes, options, { abortOnceAccepted: SIZE * 0.4 });
    expect(first.outcome).toBe('aborted');
    const url = first.url ?? '';
    expect((await headOf(url, session)).offset).toBe(first.accepted);

    await Upload.terminate(url, { headers, retryDelays: null });
    const after = await headOf(url, session);
    expect(after.status).toBe(404);
    expect(after.headers.get('tus-resumable')).toBe('1.0.0');
    expect(after.offset).toBeUndefined();
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: {
        ...TUS,
        'x-session-id': session,
        'upload-offset': String(first.accepted),
        'content-type': 'application/offset+octet-stream',
      },
      body: new Uint8Array(bytes.subarray(first.accepted, first.accepted + 1000)),
    });
    expect(patched.status).toBe(404);
    expect((await patched.json()).error.code).toBe('UPLOAD_NOT_FOUND');
    // A second termination is a 404 that tus-js-client rejects with.
    const again = await Upload.terminate(url, { headers, retryDelays: null }).catch((error: DetailedError) => error);
    expect(again).toBeInstanceOf(Error);
    expect((again as DetailedError).originalResponse?.getStatus()).toBe(404);
    expect(errorBodyOf(again as DetailedError).error.code).toBe('UPLOAD_NOT_FOUND');
    expect((await call(host.url, 'GET', `/api/videos/${vid}`)).body.status).toBe('pending');

    // Given the terminated URL, tus-js-client finds it gone (404) and creates a new upload.
    const second = await runUpload(bytes, { ...options, uploadUrl: url });
    expect(second.outcome).toBe('success');
    expect(second.heads).toEqual([Number.NaN]);
    expect(second.url).not.toBe(url);
    expect(second.accepted).toBe(SIZE);
    await expectStored(host.url, vid, bytes);
  });

  describe("a creation vodkit refuses reaches onError with its status and vodkit's JSON error", () => {
    it.each([
      ['without a session', 401, 'UNAUTHENTICATED'],
      ["for another user's video", 403, 'FORBIDDEN'],
      ['for a video that has its file', 409, 'ALREADY_UPLOADED'],
    ] as const)('%s: %d %s', async (_label, status, code) => {
      const bytes = mp4Bytes(64 * KiB);
      const { vid, endpoint, headers } = await fresh();
      let session: string | undefined = owner.session;
      if (status === 401) session = undefined;
      if (status === 403) session = stranger.session;
      if (status === 409) {
        const uploaded = await fetch(`${host.url}/upload/videos/${vid}`, {
          method: 'POST',
          headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
          body: new Uint8Array(bytes),
        });
        expect(uploaded.status).toBe(200);
      }
      const run = await runUpload(bytes, {
        endpoint,
        headers: session ? { ...headers, 'X-Session-Id': session } : {},
        retryDelays: [0, 20],
      });
      expect(run.outcome).toBe('error');
      expect(run.url).toBeNull();
      expect(run.patches).toEqual([]);
      expect(run.error?.originalRequest?.getMethod()).toBe('POST');
      expect(run.error?.originalResponse?.getStatus()).toBe(status);
      expect(run.error?.originalResponse?.getHeader('Tus-Resumable')).toBe('1.0.0');
      expect(run.error?.originalResponse?.getHeader('Content-Type')).toBe('application/json; charset=utf-8');
      const body = errorBodyOf(run.error);
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.code).toBe(code);
      expect(typeof body.error.message).toBe('string');
      // tus-js-client retries a 409 by default (it takes it for an offset mismatch); not a 401 or 403.
      expect(run.retries.map((retry) => retry.status)).toEqual(status === 409 ? [409, 409] : [status]);
      const video = await call(host.url, 'GET', `/api/videos/${vid}`);
      expect(video.body.status).toBe(status === 409 ? 'ready' : 'pending');
    });
  });

  it('answers OPTIONS and HEAD with the tus headers tus-js-client and browsers read', async () => {
    const { vid, endpoint, headers } = await fresh();
    const options = { endpoint, headers, chunkSize: CHUNK, retryDelays: null };
    const first = await runUpload(mp4Bytes(SIZE), options, { abortOnceAccepted: 1 });
    const url = first.url ?? '';
    for (const target of [endpoint, url]) {
      const discovery = await fetch(target, { method: 'OPTIONS' });
      expect(discovery.status).toBe(204);
      expect(Object.fromEntries(discovery.headers)).toMatchObject({
        'tus-resumable': '1.0.0',
        'tus-version': '1.0.0',
        'tus-extension': 'creation,creation-with-upload,termination,expiration',
      });
      expect(Number(discovery.headers.get('tus-max-size'))).toBeGreaterThan(SIZE);
      expect(await discovery.text()).toBe('');
    }
    const head = await headOf(url, headers['X-Session-Id']);
    expect(head.status).toBe(200);
    expect(Object.fromEntries(head.headers)).toMatchObject({
      'tus-resumable': '1.0.0',
      'upload-offset': String(CHUNK),
      'upload-length': String(SIZE),
      'cache-control': 'no-store',
    });
    expect(Date.parse(head.headers.get('upload-expires') ?? '')).toBeGreaterThan(Date.now());
    expect((await call(host.url, 'GET', `/api/videos/${vid}`)).body.status).toBe('pending');
  });

  it('nothing was logged as a fault', () => {
    expect(host.errors()).toEqual([]);
  });
});
