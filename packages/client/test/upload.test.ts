import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eventually, filesIn, mp4Bytes, webmBytes } from '../../../test/support/files.js';
import { memoryKind } from '../../../test/support/stores.js';
import { readBytes } from '../../../test/support/streams.js';
import { streamTokensOf } from '../../core/src/internals.js';
import type { NodeUploadSource } from '../src/node/upload-undici.js';
import { type UploadProgress, unwrap, type VodkitClient } from '../src/node.js';
import { eachStore } from './each-store.js';
import { newUserName, PASSWORD, useClientServer } from './support.js';

type Client = VodkitClient<NodeUploadSource>;

/** A signed-in client with one pending video. */
async function withVideo(c: Client) {
  const user_name = newUserName();
  await unwrap(c.api.register({ body: { user_name, pwd: PASSWORD } }));
  const video = await unwrap(c.api.createVideo({ params: { user_name }, body: { name: 'clip' } }));
  return { user_name, vid: video.id };
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

/** Yields `bytes` in pieces, pausing between them, so a test can act mid-upload. */
async function* slowly(bytes: Uint8Array, piece: number, pauseMs: number) {
  for (let at = 0; at < bytes.byteLength; at += piece) {
    yield bytes.subarray(at, at + piece);
    await sleep(pauseMs);
  }
}

eachStore('client: upload and stream', (kind) => {
  const { served, client } = useClientServer(kind);

  it('uploads a file by path with progress, then streams it whole and by range', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(1_500_000);
    const path = join(served.dataDir, 'clip.mp4');
    await writeFile(path, bytes);
    const events: UploadProgress[] = [];
    const uploaded = await c.upload(vid, path, { onProgress: (event) => events.push({ ...event }) });
    expect(uploaded).toMatchObject({ status: 200, body: { id: vid, status: 'ready', size: bytes.length } });
    expectSteadyProgress(events, bytes.length);

    const whole = await c.stream.streamVideo({ params: { vid } });
    expect(whole.status).toBe(200);
    if (whole.status === 200) expect((await readBytes(whole.body)).equals(bytes)).toBe(true);

    const range = await c.stream.streamVideo({ params: { vid }, headers: { range: 'bytes=100-199' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    if (range.status === 206) expect((await readBytes(range.body)).equals(bytes.subarray(100, 200))).toBe(true);

    const etag = whole.headers.get('etag') ?? '';
    expect((await c.stream.streamVideo({ params: { vid }, headers: { 'if-none-match': etag } })).status).toBe(304);
    const outside = await c.stream.streamVideo({ params: { vid }, headers: { range: `bytes=${bytes.length}-` } });
    expect(outside).toMatchObject({ status: 416, body: { error: { code: 'RANGE_NOT_SATISFIABLE' } } });

    const viaUrl = await fetch(c.streamUrl(vid), { headers: { range: 'bytes=0-9' } });
    expect(Buffer.from(await viaUrl.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
  });

  it.each<[string, (bytes: Buffer) => NodeUploadSource, { size?: number }]>([
    ['a Blob', (bytes) => new Blob([new Uint8Array(bytes)], { type: 'video/webm' }), {}],
    ['a web ReadableStream of known size', (bytes) => Readable.toWeb(Readable.from([bytes])) as ReadableStream, {}],
    ['a Node Readable of unknown size', (bytes) => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), {}],
    ['an async iterable', (bytes) => slowly(bytes, 100_000, 0), {}],
  ])('uploads %s', async (_, source, options) => {
    const c = client();
    const { vid } = await withVideo(c);
    const bytes = webmBytes(400_000);
    const events: UploadProgress[] = [];
    const uploaded = await c.upload(vid, source(bytes), { ...options, onProgress: (event) => events.push(event) });
    expect(uploaded).toMatchObject({ status: 200, body: { size: bytes.length, content_type: 'video/webm' } });
    expect(events.at(-1)?.sent).toBe(bytes.length);
  });

  it('sends Content-Length for a stream of given size', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(200_000);
    const events: UploadProgress[] = [];
    const uploaded = await c.upload(vid, Readable.from([bytes]), {
      size: bytes.length,
      onProgress: (event) => events.push(event),
    });
    expect(uploaded.status).toBe(200);
    expectSteadyProgress(events, bytes.length);
  });

  it('aborts an upload: the promise rejects, the server keeps nothing and a retry works', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const bytes = mp4Bytes(2_000_000);
    const controller = new AbortController();
    let sent = 0;
    const upload = c.upload(vid, slowly(bytes, 64 * 1024, 20), {
      signal: controller.signal,
      onProgress: (event) => {
        sent = event.sent;
        if (event.sent >= 256 * 1024) controller.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
    expect(sent).toBeLessThan(bytes.length);
    await eventually('the stream token is back', () => streamTokensOf(served.vodkit).available === 64);
    await eventually('no temporary file is left', async () => (await filesIn(served.dataDir)).tmp.length === 0);
    expect(await unwrap(c.api.getVideo({ params: { vid } }))).toMatchObject({ status: 'pending', size: null });

    const retried = await c.upload(vid, new Blob([new Uint8Array(bytes)]));
    expect(retried).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const upload = c.upload(vid, new Blob([new Uint8Array(mp4Bytes(1000))]), { signal: AbortSignal.abort() });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('answers refusals keyed by status with their codes', async () => {
    const owner = client();
    const { vid } = await withVideo(owner);
    const file = () => new Blob([new Uint8Array(mp4Bytes(10_000))]);

    expect(await client().upload(vid, file())).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    const stranger = client();
    await withVideo(stranger);
    expect(await stranger.upload(vid, file())).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const notVideo = await owner.upload(vid, new Blob(['plain text, not a video']));
    expect(notVideo).toMatchObject({ status: 400, body: { error: { code: 'NOT_A_VIDEO' } } });
    expect(await owner.upload(vid, new Blob([]))).toMatchObject({
      status: 400,
      body: { error: { code: 'EMPTY_UPLOAD' } },
    });
    expect((await owner.upload(vid, file())).status).toBe(200);
    expect(await owner.upload(vid, file())).toMatchObject({
      status: 409,
      body: { error: { code: 'ALREADY_UPLOADED' } },
    });
    const unknown = await owner.upload('6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b', file());
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'VIDEO_NOT_FOUND' } } });
    expect(await owner.upload('not-a-uuid', file())).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION' } },
    });
  });

  it('sends the contract route uploadVideo through the same streamed upload', async () => {
    const c = client();
    const raw = await withVideo(c);
    const bytes = new Uint8Array(mp4Bytes(20_000));
    const asBlob = await c.stream.uploadVideo({ params: { vid: raw.vid }, body: new Blob([bytes]) });
    expect(asBlob).toMatchObject({ status: 200, body: { status: 'ready', size: bytes.length } });
    const field = await withVideo(c);
    const asField = await c.stream.uploadVideo({ params: { vid: field.vid }, body: { file: new Blob([bytes]) } });
    expect(asField).toMatchObject({ status: 200, body: { status: 'ready', size: bytes.length } });
  });

  it('closes the file of an aborted path upload', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const path = join(served.dataDir, `big-${vid}.mp4`);
    await writeFile(path, mp4Bytes(8_000_000));
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    const controller = new AbortController();
    const upload = c.upload(vid, path, {
      signal: controller.signal,
      onProgress: ({ sent }) => {
        if (sent > 1_000_000) controller.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ name: 'AbortError' });
    await eventually('the file is closed', async () => (await openFiles()) <= before);
    expect(await unwrap(c.api.getVideo({ params: { vid } }))).toMatchObject({ status: 'pending' });
  });

  it('releases a stream it was given when the upload is aborted before it starts', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const source = Readable.from([mp4Bytes(1000)]);
    await expect(c.upload(vid, source, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(source.destroyed).toBe(true);
  });

  it('answers a refusal while a large file is still being sent', async () => {
    const owner = client();
    const { vid } = await withVideo(owner);
    const path = join(served.dataDir, `refused-${vid}.mp4`);
    await writeFile(path, mp4Bytes(6_000_000));
    expect(await client().upload(vid, path)).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    const stranger = client();
    await withVideo(stranger);
    expect(await stranger.upload(vid, path)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect((await owner.upload(vid, path)).status).toBe(200);
  });

  it('deletes a video now through the scheduler, with its token', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    await unwrap(c.upload(vid, new Blob([new Uint8Array(mp4Bytes(10_000))])));
    expect(await c.deleteVideoNow(vid)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await c.deleteVideoNow(vid, { token: 'not-the-token-at-all' })).toMatchObject({ status: 401 });
    const queued = await c.deleteVideoNow(vid, { token: 'client-test-scheduler-token-0123456789' });
    expect(queued).toEqual(expect.objectContaining({ status: 200, body: { video_id: vid, queued: true } }));
    await eventually('the file is gone', async () => !(await filesIn(served.dataDir)).videos.includes(vid));
    expect((await c.stream.streamVideo({ params: { vid } })).status).toBe(404);

    const withOption = client({ schedulerToken: 'client-test-scheduler-token-0123456789' });
    expect((await withOption.scheduler.deleteVideo({ params: { vid } })).status).toBe(200);
  });
});

describe('client: upload limits', () => {
  const { served, client } = useClientServer(memoryKind, { maxUploadBytes: 100_000, streamTokens: 1 });

  it('is refused with 413 before the bytes go when the size is known', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const events: UploadProgress[] = [];
    const answer = await c.upload(vid, new Blob([new Uint8Array(mp4Bytes(5_000_000))]), {
      onProgress: (event) => events.push(event),
    });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(events.at(-1)?.sent ?? 0).toBeLessThan(5_000_000);
  });

  it('is refused with 413 while counting when the size is not known', async () => {
    const c = client();
    const { vid } = await withVideo(c);
    const answer = await c.upload(vid, Readable.from([mp4Bytes(300_000)]));
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    await eventually('no temporary file is left', async () => (await filesIn(served.dataDir)).tmp.length === 0);
  });

  it('is refused with 413 through a given fetch too, and the source is released', async () => {
    const c = client({ fetch: (input, init) => fetch(input, init) });
    const { vid } = await withVideo(c);
    let cancelled = false;
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new Uint8Array(mp4Bytes(64 * 1024)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const answer = await c.upload(vid, source);
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    await eventually('the endless source is cancelled', () => cancelled);
    // Socket buffers take some megabytes before the answer is read; an endless source would not stop.
    const pullsAtCancel = pulls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulls).toBe(pullsAtCancel);
  });

  it('answers 429 when every stream token is taken', async () => {
    const c = client();
    const first = await withVideo(c);
    const holding = new AbortController();
    let started = false;
    const held = c.upload(first.vid, slowly(mp4Bytes(90_000), 1000, 50), {
      signal: holding.signal,
      onProgress: () => {
        started = true;
      },
    });
    await eventually(
      'the first upload holds the token',
      () => started && streamTokensOf(served.vodkit).available === 0,
    );
    const second = await withVideo(c);
    const refused = await c.upload(second.vid, new Blob([new Uint8Array(mp4Bytes(1000))]));
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_REQUESTS' } } });
    expect(refused.headers.get('retry-after')).toBeTruthy();
    holding.abort();
    await expect(held).rejects.toMatchObject({ name: 'AbortError' });
    await eventually('the token is back', () => streamTokensOf(served.vodkit).available === 1);
  });
});
