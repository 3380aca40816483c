import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectionInfo, silentLogger } from '@vodkit/core';
import { type RunningServer, serve } from '@vodkit/host-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, filesIn, mp4Bytes, webmBytes } from '../../../test/support/files.js';
import { memoryKind } from '../../../test/support/stores.js';
import { readBytes } from '../../../test/support/streams.js';
import type { NodeUploadSource } from '../src/node/upload-undici.js';
import {
  type ResumableUrlStorage,
  type StoredUpload,
  type UploadProgress,
  unwrap,
  type VodkitClient,
} from '../src/node.js';
import { eachStore } from './each-store.js';
import { type ClientServed, newUserName, PASSWORD, useClientServer } from './support.js';

type Client = VodkitClient<NodeUploadSource>;

const KiB = 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A signed-in client with one pending video. */
async function withVideo(c: Client) {
  const user_name = newUserName('tus');
  await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
  const video = await unwrap(c.api.createVideo({ params: { user_name }, body: { name: 'clip' } }));
  return { user_name, vid: video.id };
}

/** The SHA-256 of what the stream service serves for the video. */
async function servedHash(c: Client, vid: string) {
  const whole = await c.stream.streamVideo({ params: { vid } });
  expect(whole.status).toBe(200);
  if (whole.status !== 200) return '';
  return sha256(await readBytes(whole.body));
}

/** Progress events must only grow, and end at the total. */
function expectSteadyProgress(events: UploadProgress[], total: number) {
  expect(events.length).toBeGreaterThan(1);
  for (const [index, event] of events.entries()) {
    expect(event.total).toBe(total);
    if (index > 0) expect(event.sent).toBeGreaterThan(events[index - 1]?.sent ?? 0);
  }
  expect(events.at(-1)?.sent).toBe(total);
}

interface Seen {
  method: string;
  path: string;
  /** Body bytes that reached the server. */
  bytes: number;
  offset: string | null;
  status?: number;
}

/**
 * A second host in front of the test server's vodkit that records every request to the stream
 * service (method, path, bytes received, the answer's status) and can answer one in its place.
 */
function useFront(served: ClientServed) {
  const front = {
    url: '',
    seen: [] as Seen[],
    /** Answers a request instead of vodkit when it returns a Response. */
    intercept: undefined as ((request: Request) => Response | undefined) | undefined,
    /** Called as body bytes of a request arrive. */
    onBytes: undefined as ((seen: Seen) => void) | undefined,
    /** A wait before each piece of a body is passed on: a slow server, whose client's buffers fill. */
    delayMs: 0,
    /** The requests recorded since `mark`, and the bytes of their bodies. */
    since(mark: number) {
      const seen = front.seen.slice(mark);
      return { seen, bytes: seen.reduce((sum, one) => sum + one.bytes, 0) };
    },
  };
  let running: RunningServer;
  beforeAll(async () => {
    const app = {
      async fetch(request: Request, info?: ConnectionInfo) {
        const url = new URL(request.url);
        const entry: Seen = {
          method: request.method,
          path: url.pathname,
          bytes: 0,
          offset: request.headers.get('upload-offset'),
        };
        front.seen.push(entry);
        const instead = front.intercept?.(request);
        if (instead) {
          await request.body?.cancel();
          entry.status = instead.status;
          return instead;
        }
        const body = request.body?.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            async transform(chunk, controller) {
              if (front.delayMs) await sleep(front.delayMs);
              entry.bytes += chunk.byteLength;
              front.onBytes?.(entry);
              controller.enqueue(chunk);
            },
          }),
        );
        const response = await served.vodkit.fetch(
          new Request(request, { body: body ?? null, duplex: 'half' } as RequestInit),
          info,
        );
        entry.status = response.status;
        return response;
      },
      close: async () => {},
    };
    running = await serve(app, { port: 0, logger: silentLogger });
    front.url = running.url;
  });
  afterAll(() => running.close());
  return front;
}

eachStore('client: resumable uploads (tus)', (kind) => {
  const { served, client } = useClientServer(kind);
  const front = useFront(served);
  /** A client whose stream service is the recording front. */
  const viaFront = (options: Parameters<typeof client>[0] = {}) => client({ streamBaseUrl: front.url, ...options });

  it('uploads a file by path in chunks, with steady progress, and the stream serves the same bytes', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(1_500_000);
    const path = join(served.dataDir, `whole-${vid}.mp4`);
    await writeFile(path, bytes);
    const events: UploadProgress[] = [];
    const mark = front.seen.length;
    const uploaded = await c.upload(vid, path, {
      resumable: true,
      chunkSize: 256 * KiB,
      onProgress: (event) => events.push({ ...event }),
    });
    expect(uploaded).toMatchObject({ status: 200, body: { id: vid, status: 'ready', size: bytes.length } });
    expectSteadyProgress(events, bytes.length);

    // A creation without bytes, then one PATCH per chunk of at most 256 KiB, each at the offset reached.
    const { seen, bytes: sent } = front.since(mark);
    expect(seen[0]).toMatchObject({ method: 'POST', path: `/upload/videos/${vid}/resumable`, bytes: 0, status: 201 });
    const patches = seen.slice(1);
    expect(patches).toHaveLength(Math.ceil(bytes.length / (256 * KiB)));
    for (const [index, patch] of patches.entries()) {
      expect(patch).toMatchObject({ method: 'PATCH', status: 204, offset: String(index * 256 * KiB) });
      expect(patch.path).toMatch(/^\/upload\/resumable\/[0-9a-f]{32}$/);
      expect(patch.bytes).toBeLessThanOrEqual(256 * KiB);
    }
    expect(sent).toBe(bytes.length);
    expect(await servedHash(c, vid)).toBe(sha256(bytes));
    expect((await filesIn(served.dataDir)).uploads).toEqual([]);
  });

  it.each<[string, (bytes: Buffer) => NodeUploadSource, { size?: number }]>([
    ['a Blob', (bytes) => new Blob([new Uint8Array(bytes)], { type: 'video/webm' }), {}],
    ['a File', (bytes) => new File([new Uint8Array(bytes)], 'clip.webm', { type: 'video/webm' }), {}],
    ['a Buffer', (bytes) => bytes, {}],
    ['a Uint8Array on part of a larger buffer', (bytes) => withMargins(bytes), {}],
    ['an fs.ReadStream', (bytes) => createReadStream(fileOf(bytes)), {}],
    [
      'a web ReadableStream of given size',
      (bytes) => Readable.toWeb(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)])) as ReadableStream,
      { size: 300_000 },
    ],
    ['a Node Readable of given size', (bytes) => Readable.from([bytes]), { size: 300_000 }],
    ['an async iterable of given size', (bytes) => pieces(bytes, 7_000), { size: 300_000 }],
  ])('uploads %s', async (_, source, options) => {
    const c = client();
    const { vid } = await withVideo(c);
    const bytes = webmBytes(300_000);
    paths.set(bytes, join(served.dataDir, `source-${vid}.webm`));
    await writeFile(paths.get(bytes) ?? '', bytes);
    const events: UploadProgress[] = [];
    const uploaded = await c.upload(vid, source(bytes), {
      ...options,
      resumable: true,
      chunkSize: 64 * KiB,
      onProgress: (event) => events.push(event),
    });
    expect(uploaded).toMatchObject({ status: 200, body: { size: bytes.length, content_type: 'video/webm' } });
    expectSteadyProgress(events, bytes.length);
    expect(await servedHash(c, vid)).toBe(sha256(bytes));
  });

  it('refuses a stream of unknown size with a TypeError, and releases it', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const source = Readable.from([mp4Bytes(1000)]);
    await expect(c.upload(vid, source, { resumable: true })).rejects.toThrow(
      new TypeError(
        'A resumable upload of a stream needs its length: give the `size` option (tus declares the whole length when it creates the upload).',
      ),
    );
    expect(source.destroyed).toBe(true);
  });

  it.each<[string, (bytes: Buffer, path: string) => NodeUploadSource]>([
    ['a file path', (_, path) => path],
    ['a Buffer', (bytes) => bytes],
    ['a Blob', (bytes) => new Blob([new Uint8Array(bytes)])],
  ])('resumes %s after an abort: the second call sends only what the server lacks', async (_, source) => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(3_000_000);
    const path = join(served.dataDir, `resume-${vid}.mp4`);
    await writeFile(path, bytes);
    const controller = new AbortController();
    let abortedAt = 0;
    const first = c.upload(vid, source(bytes, path), {
      resumable: true,
      chunkSize: 256 * KiB,
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent >= 1_000_000 && !controller.signal.aborted) {
          abortedAt = sent;
          controller.abort();
        }
      },
    });
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(await unwrap(c.api.getVideo({ params: { vid } }))).toMatchObject({ status: 'pending', size: null });

    const mark = front.seen.length;
    const events: UploadProgress[] = [];
    const second = await c.upload(vid, source(bytes, path), {
      resumable: true,
      chunkSize: 256 * KiB,
      onProgress: (event) => events.push({ ...event }),
    });
    expect(second).toMatchObject({ status: 200, body: { status: 'ready', size: bytes.length } });
    expect(await servedHash(c, vid)).toBe(sha256(bytes));

    // No new upload: the kept one is asked for its offset (HEAD) and continued from there.
    const { seen, bytes: sentAgain } = front.since(mark);
    expect(seen.filter((one) => one.method === 'POST')).toEqual([]);
    expect(seen[0]).toMatchObject({ method: 'HEAD', status: 200 });
    const resumedAt = Number(seen.find((one) => one.method === 'PATCH')?.offset);
    expect(resumedAt).toBeGreaterThanOrEqual(256 * KiB);
    const stored = seen.filter((one) => one.method === 'PATCH' && one.status === 204);
    expect(stored.reduce((sum, one) => sum + one.bytes, 0)).toBe(bytes.length - resumedAt);
    expect(sentAgain).toBeLessThan(bytes.length);
    // Progress starts where the server is, and ends at the total.
    expect(events[0]?.sent).toBe(resumedAt);
    expect(events.at(-1)?.sent).toBe(bytes.length);
    await eventually('no part is left', async () => (await filesIn(served.dataDir)).uploads.length === 0);
  });

  it('resumes after an abort in the middle of a PATCH', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(20_000_000);
    const controller = new AbortController();
    const mark = front.seen.length;
    // One PATCH for the whole file, read slowly and aborted once 1 MB of it arrived: the rest is
    // still on its way (more than socket buffers hold).
    const chunkSize = 32 * 1024 * 1024;
    front.delayMs = 2;
    front.onBytes = (seen) => {
      if (seen.method === 'PATCH' && seen.bytes >= 1_000_000) controller.abort();
    };
    const first = c.upload(vid, bytes, { resumable: true, chunkSize, signal: controller.signal });
    await expect(first)
      .rejects.toMatchObject({ name: 'AbortError' })
      .finally(() => {
        front.onBytes = undefined;
        front.delayMs = 0;
      });
    await eventually('the cut PATCH is answered', () =>
      front.seen.slice(mark).every((one) => one.status !== undefined),
    );
    const cut = front.since(mark).seen;
    expect(cut.map((one) => one.method)).toEqual(['POST', 'PATCH']);
    expect(cut[1]?.bytes).toBeLessThan(bytes.length);

    const again = front.seen.length;
    const second = await c.upload(vid, bytes, {
      resumable: true,
      chunkSize,
      retryDelays: [0, 100, 200, 400, 800, 1600, 3200],
    });
    expect(second).toMatchObject({ status: 200, body: { status: 'ready', size: bytes.length } });
    expect(await servedHash(c, vid)).toBe(sha256(bytes));
    const { seen } = front.since(again);
    expect(seen[0]).toMatchObject({ method: 'HEAD', status: 200 });
    expect(seen.filter((one) => one.method === 'POST')).toEqual([]);
    // What the cut PATCH stored is not sent again.
    const last = seen.filter((one) => one.method === 'PATCH').at(-1);
    expect(Number(last?.offset) + (last?.bytes ?? 0)).toBe(bytes.length);
  });

  it('keeps the fingerprint per video: the same file to another video starts a new upload', async () => {
    const c = viaFront();
    const first = await withVideo(c);
    const other = await unwrap(
      c.api.createVideo({ params: { user_name: first.user_name }, body: { name: 'the same file again' } }),
    );
    const bytes = mp4Bytes(1_200_000);
    const path = join(served.dataDir, `twice-${first.vid}.mp4`);
    await writeFile(path, bytes);
    const controller = new AbortController();
    const aborted = c.upload(first.vid, path, {
      resumable: true,
      chunkSize: 128 * KiB,
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent >= 400_000) controller.abort();
      },
    });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });

    const mark = front.seen.length;
    expect((await c.upload(other.id, path, { resumable: true, chunkSize: 128 * KiB })).status).toBe(200);
    const { seen, bytes: sent } = front.since(mark);
    expect(seen[0]).toMatchObject({ method: 'POST', path: `/upload/videos/${other.id}/resumable` });
    expect(sent).toBe(bytes.length);
    // The first video's upload is still there to be resumed.
    expect(await unwrap(c.api.getVideo({ params: { vid: first.vid } }))).toMatchObject({ status: 'pending' });
    expect((await c.upload(first.vid, path, { resumable: true, chunkSize: 128 * KiB })).status).toBe(200);
    expect(front.since(mark + seen.length).seen[0]).toMatchObject({ method: 'HEAD', status: 200 });
  });

  it('keeps URLs in a given urlStorage, which another client can resume from; done, the entry is removed', async () => {
    const storage = new RecordingStorage();
    const c = viaFront();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(1_000_000);
    const controller = new AbortController();
    const aborted = c.upload(vid, bytes, {
      resumable: true,
      chunkSize: 128 * KiB,
      urlStorage: storage,
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent >= 300_000) controller.abort();
      },
    });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const kept = await storage.findAllUploads();
    expect(kept).toHaveLength(1);
    expect(kept[0]?.uploadUrl).toMatch(new RegExp(`^${front.url}/upload/resumable/[0-9a-f]{32}$`));
    expect(kept[0]?.urlStorageKey).toContain(vid);

    // Another client (a new process, with a file-backed storage) with the same session.
    const again = viaFront({ sessionId: c.sessionId });
    const mark = front.seen.length;
    expect((await again.upload(vid, bytes, { resumable: true, urlStorage: storage })).status).toBe(200);
    expect(front.since(mark).seen[0]).toMatchObject({ method: 'HEAD', status: 200 });
    expect(front.since(mark).bytes).toBeLessThan(bytes.length);
    expect(await storage.findAllUploads()).toEqual([]);
  });

  it('rejects at once when the signal is already aborted, and releases a stream', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    const mark = front.seen.length;
    const source = Readable.from([mp4Bytes(1000)]);
    await expect(
      c.upload(vid, source, { resumable: true, size: 1000, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.destroyed).toBe(true);
    expect(front.since(mark).seen).toEqual([]);
  });

  it('closes the file of an aborted path upload', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const path = join(served.dataDir, `big-${vid}.mp4`);
    await writeFile(path, mp4Bytes(6_000_000));
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    const controller = new AbortController();
    const upload = c.upload(vid, path, {
      resumable: true,
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent > 1_000_000) controller.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
    await eventually('the file is closed', async () => (await openFiles()) <= before);
  });

  it('answers refusals keyed by status with vodkit error bodies, without retrying them', async () => {
    const owner = viaFront();
    const { vid } = await withVideo(owner);
    const file = () => mp4Bytes(10_000);
    const refusal = async (c: Client, target: string, source: NodeUploadSource = file()) => {
      const mark = front.seen.length;
      const result = await c.upload(target, source, { resumable: true });
      return { result, requests: front.since(mark).seen };
    };

    const anonymous = await refusal(viaFront(), vid);
    expect(anonymous.result).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const stranger = viaFront();
    await withVideo(stranger);
    const forbidden = await refusal(stranger, vid);
    expect(forbidden.result).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(forbidden.result.headers.get('tus-resumable')).toBe('1.0.0');
    expect(forbidden.requests.map((one) => [one.method, one.status])).toEqual([['POST', 403]]);
    const unknown = await refusal(owner, '6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b');
    expect(unknown.result).toMatchObject({ status: 404, body: { error: { code: 'VIDEO_NOT_FOUND' } } });
    const invalid = await refusal(owner, 'not-a-uuid');
    expect(invalid.result).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    const empty = await refusal(owner, vid, new Uint8Array(0));
    expect(empty.result).toMatchObject({ status: 400, body: { error: { code: 'EMPTY_UPLOAD' } } });

    expect((await owner.upload(vid, file(), { resumable: true })).status).toBe(200);
    const twice = await refusal(owner, vid);
    expect(twice.result).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_UPLOADED' } } });
    expect(twice.requests.map((one) => [one.method, one.status])).toEqual([['POST', 409]]);
  });

  it('answers 400 NOT_A_VIDEO for bytes that are not a video', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const text = new Blob(['plain text, not a video, '.repeat(100)]);
    expect(await c.upload(vid, text, { resumable: true })).toMatchObject({
      status: 400,
      body: { error: { code: 'NOT_A_VIDEO' } },
    });
    expect(await unwrap(c.api.getVideo({ params: { vid } }))).toMatchObject({ status: 'pending' });
  });

  it('retries a failed PATCH, asking for the offset first', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(600_000);
    let failures = 0;
    front.intercept = (request) => {
      if (request.method !== 'PATCH' || request.headers.get('upload-offset') !== String(256 * KiB) || failures > 0) {
        return undefined;
      }
      failures += 1;
      return Response.json(
        { error: { code: 'UNAVAILABLE', message: 'Try again.' } },
        { status: 503, headers: { 'tus-resumable': '1.0.0' } },
      );
    };
    try {
      const mark = front.seen.length;
      const uploaded = await c.upload(vid, bytes, { resumable: true, chunkSize: 256 * KiB });
      expect(uploaded).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect(front.since(mark).seen.map((one) => `${one.method} ${one.status}`)).toEqual([
        'POST 201',
        'PATCH 204',
        'PATCH 503',
        'HEAD 200',
        'PATCH 204',
        'PATCH 204',
      ]);
      expect(await servedHash(c, vid)).toBe(sha256(bytes));
    } finally {
      front.intercept = undefined;
    }
  });

  it('gives the last failure as the result once retryDelays are used up', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    front.intercept = (request) =>
      request.method === 'PATCH'
        ? Response.json(
            { error: { code: 'UNAVAILABLE', message: 'Down for now.' } },
            { status: 503, headers: { 'tus-resumable': '1.0.0', 'retry-after': '1' } },
          )
        : undefined;
    try {
      const mark = front.seen.length;
      const answer = await c.upload(vid, mp4Bytes(10_000), { resumable: true, retryDelays: [0, 10] });
      expect(answer).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'Down for now.' } } });
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(front.since(mark).seen.filter((one) => one.method === 'PATCH')).toHaveLength(3);
    } finally {
      front.intercept = undefined;
    }
  });

  it('waits out a PATCH that still holds the upload (409 UPLOAD_LOCKED) and goes on', async () => {
    const c = viaFront();
    const { vid } = await withVideo(c);
    let locked = 2;
    front.intercept = (request) => {
      if (request.method !== 'PATCH' || locked === 0) return undefined;
      locked -= 1;
      return Response.json(
        { error: { code: 'UPLOAD_LOCKED', message: 'Another request is writing to this upload; retry shortly.' } },
        { status: 409, headers: { 'tus-resumable': '1.0.0', 'retry-after': '1' } },
      );
    };
    try {
      const bytes = mp4Bytes(50_000);
      const uploaded = await c.upload(vid, bytes, { resumable: true, retryDelays: [0, 10, 10] });
      expect(uploaded).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect(await servedHash(c, vid)).toBe(sha256(bytes));
    } finally {
      front.intercept = undefined;
    }
  });

  it('rejects with a TypeError when the stream service cannot be reached, after its retries', async () => {
    const c = client({ streamBaseUrl: 'http://127.0.0.1:9' });
    const { vid } = await withVideo(c);
    const upload = c.upload(vid, mp4Bytes(1000), { resumable: true, retryDelays: [0] });
    await expect(upload).rejects.toBeInstanceOf(TypeError);
    await expect(upload).rejects.toMatchObject({ message: expect.stringContaining('failed to create upload') });
  });

  it('does not go through a given fetch: tus-js-client has its own HTTP stack', async () => {
    const fetched: string[] = [];
    const c = client({
      fetch: (input, init) => {
        fetched.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const { vid } = await withVideo(c);
    fetched.length = 0;
    expect((await c.upload(vid, mp4Bytes(20_000), { resumable: true })).status).toBe(200);
    // Only the video, read after the last byte, through the client's fetch.
    expect(fetched).toEqual([`GET /api/videos/${vid}`]);
  });

  it('refuses chunkSize and retryDelays that are not usable', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    await expect(c.upload(vid, mp4Bytes(100), { resumable: true, chunkSize: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(c.upload(vid, mp4Bytes(100), { resumable: true, retryDelays: [-1] })).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});

describe('client: resumable upload limits', () => {
  const { client } = useClientServer(memoryKind, { maxUploadBytes: 100_000 });

  it('is refused with 413 at creation, before any byte is sent', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const events: UploadProgress[] = [];
    const answer = await c.upload(vid, mp4Bytes(500_000), {
      resumable: true,
      onProgress: (event) => events.push(event),
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(events).toEqual([]);
  });
});

/** Paths of the files written for the sources that read one (an fs.ReadStream). */
const paths = new Map<Buffer, string>();
const fileOf = (bytes: Buffer) => {
  const path = paths.get(bytes);
  if (!path) throw new Error('no file for these bytes');
  return path;
};

/** The bytes as a view into the middle of a larger buffer. */
function withMargins(bytes: Buffer): Uint8Array {
  const larger = new Uint8Array(bytes.length + 200);
  larger.set(bytes, 100);
  return larger.subarray(100, 100 + bytes.length);
}

async function* pieces(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.byteLength; at += size) {
    yield bytes.subarray(at, at + size);
    await sleep(0);
  }
}

/** A URL storage shared by clients, as a file-backed one would be across processes. */
class RecordingStorage implements ResumableUrlStorage {
  readonly uploads = new Map<string, StoredUpload>();
  async findAllUploads() {
    return [...this.uploads].map(([urlStorageKey, upload]) => ({ ...upload, urlStorageKey }));
  }
  async findUploadsByFingerprint(fingerprint: string) {
    return (await this.findAllUploads()).filter((upload) => upload.urlStorageKey.startsWith(`tus::${fingerprint}::`));
  }
  async removeUpload(key: string) {
    this.uploads.delete(key);
  }
  async addUpload(fingerprint: string, upload: StoredUpload) {
    const key = `tus::${fingerprint}::${this.uploads.size + 1}`;
    this.uploads.set(key, upload);
    return key;
  }
}

describe('client: resumable upload of a file that goes away', () => {
  const { served, client } = useClientServer(memoryKind);

  it('fails with the file error, rather than hang or throw it unhandled, when the file cannot be read any more', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const path = join(served.dataDir, `gone-${vid}.mp4`);
    await writeFile(path, mp4Bytes(600_000));
    const upload = c.upload(vid, path, {
      resumable: true,
      chunkSize: 64 * KiB,
      retryDelays: [0, 10],
      onProgress: ({ sent }) => {
        if (sent >= 128 * KiB) void unlink(path).catch(() => {});
      },
    });
    await expect(upload).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
