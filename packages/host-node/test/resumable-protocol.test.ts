import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { contract, type ErrorCode } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import { memoryKind, type StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson } from './support/http.js';
import { type BinaryAnswer, eventually, fetchBytes, filesIn, mp4Bytes, useStreamServer } from './support/stream.js';
import { createVideo, eachStore, UNKNOWN_VID } from './support/suite.js';

const api = contract.api;
const MAX = 1_000_000;
const TUS = { 'tus-resumable': '1.0.0' };
const BYTES = 'application/offset+octet-stream';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A request to a tus route; `session` as X-Session-Id, tus's version unless `tus: false`. */
const tus = (
  base: string,
  method: string,
  path: string,
  options: {
    session?: string;
    headers?: Record<string, string>;
    body?: Uint8Array;
    tus?: boolean;
    chunked?: boolean;
  } = {},
) =>
  fetchBytes(base, path, {
    method,
    chunked: options.chunked ?? false,
    headers: {
      ...(options.tus === false ? {} : TUS),
      ...(options.session ? { 'x-session-id': options.session } : {}),
      ...options.headers,
    },
    ...(options.body ? { body: options.body } : {}),
  });

/**
 * An error answer of a tus route: the one JSON error shape, with Tus-Resumable. A HEAD's answer
 * has the headers of that error and no body.
 */
const expectTusError = (answer: BinaryAnswer, status: number, code: ErrorCode, method?: string) => {
  if (method === 'HEAD') {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.bytes.length).toBe(0);
  } else expectError(answer, status, code);
  expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
};

/** A new user with a pending video, and an upload of `length` bytes of it created without bytes. */
async function freshUpload(base: string, name: string, length: number) {
  const owner = await register(base, name);
  const { id: vid } = await createVideo(base, owner, name);
  const created = await tus(base, 'POST', `/upload/videos/${vid}/resumable`, {
    session: owner.session,
    headers: { 'upload-length': String(length) },
  });
  return { owner, vid, path: created.headers.get('location') ?? '' };
}

/** A request whose body the test writes by hand (slowly, or cut off), with its answer once it comes. */
function handWritten(base: string, method: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(base);
  const req = request({ host: hostname, port, method, path, headers: { ...TUS, ...headers } });
  const answered = new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
  });
  // A request cut on purpose fails; the test looks at the server instead.
  answered.catch(() => {});
  return { req, answered };
}

const resumableSuite = (kind: StoreKind) => {
  const server = useStreamServer(kind, { maxUploadBytes: MAX, resumableExpiryMs: 3_600_000 });
  let users = 0;
  const fresh = async () => {
    const owner = await register(server.url, `tus.${++users}`);
    const video = await createVideo(server.url, owner, 'resumable');
    return { owner, vid: video.id };
  };
  /** Creates an upload of `length` bytes for a new video; its path and the owner. */
  const created = async (length: number) => {
    const { owner, vid } = await fresh();
    const answer = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      session: owner.session,
      headers: { 'upload-length': String(length) },
    });
    expect(answer.status).toBe(201);
    return { owner, vid, path: answer.headers.get('location') ?? '', answer };
  };
  const patch = (path: string, session: string, offset: number, body: Uint8Array, headers = {}) =>
    tus(server.url, 'PATCH', path, {
      session,
      headers: { 'content-type': BYTES, 'upload-offset': String(offset), ...headers },
      body,
    });
  const head = (path: string, session: string) => tus(server.url, 'HEAD', path, { session });

  it('answers discovery at both URLs without a session', async () => {
    const { path, vid } = await created(10_000);
    for (const url of [`/upload/videos/${vid}/resumable`, path, `/upload/videos/${UNKNOWN_VID}/resumable`]) {
      const answer = await tus(server.url, 'OPTIONS', url, { tus: false });
      expect(answer.status).toBe(204);
      expect(Object.fromEntries(answer.headers)).toMatchObject({
        'tus-resumable': '1.0.0',
        'tus-version': '1.0.0',
        'tus-extension': 'creation,creation-with-upload,termination,expiration',
        'tus-max-size': String(MAX),
      });
      expect(answer.bytes.length).toBe(0);
    }
  });

  it('creates an upload: 201, an unguessable Location, Upload-Offset 0 and Upload-Expires', async () => {
    const before = Date.now();
    const { path, answer } = await created(5_000);
    expect(path).toMatch(/^\/upload\/resumable\/[0-9a-f]{32}$/);
    expect(answer.headers.get('upload-offset')).toBe('0');
    expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
    // No body, said with a length rather than an empty chunked one.
    expect(answer.headers.get('content-length')).toBe('0');
    expect(answer.headers.get('transfer-encoding')).toBeNull();
    const expires = Date.parse(answer.headers.get('upload-expires') ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const other = await created(5_000);
    expect(other.path).not.toBe(path);
  });

  it('takes the file in PATCHes, HEAD follows, the last byte makes the video ready', async () => {
    const file = mp4Bytes(300_000);
    const { owner, vid, path } = await created(file.length);
    let offset = 0;
    for (const size of [1, 20, 100_000, 50_000]) {
      const answer = await patch(path, owner.session, offset, file.subarray(offset, offset + size));
      expect(answer.status).toBe(204);
      offset += size;
      expect(answer.headers.get('upload-offset')).toBe(String(offset));
      expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
      expect(answer.headers.get('upload-expires')).toBeTruthy();
      const asked = await head(path, owner.session);
      expect(asked.status).toBe(200);
      expect(asked.headers.get('upload-offset')).toBe(String(offset));
      expect(asked.headers.get('upload-length')).toBe(String(file.length));
      expect(asked.headers.get('cache-control')).toBe('no-store');
      expect(asked.headers.get('tus-resumable')).toBe('1.0.0');
      expect(asked.bytes.length).toBe(0);
      const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
      expect(video.status).toBe('pending');
    }
    const last = await patch(path, owner.session, offset, file.subarray(offset));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(file.length));
    const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
    expect(video).toMatchObject({ status: 'ready', size: file.length, content_type: 'video/mp4' });
    const streamed = await fetchBytes(server.url, `/stream/videos/${vid}`);
    expect(sha256(streamed.bytes)).toBe(sha256(file));
    expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toEqual([]);
    // A client whose last answer was lost asks, and learns the upload is whole.
    const after = await head(path, owner.session);
    expect(after.status).toBe(200);
    expect(after.headers.get('upload-offset')).toBe(String(file.length));
    expect(after.headers.get('upload-length')).toBe(String(file.length));
    const again = await patch(path, owner.session, file.length, new Uint8Array(0));
    expect(again.status).toBe(204);
    expect(again.headers.get('upload-offset')).toBe(String(file.length));
    expectTusError(await patch(path, owner.session, 0, file.subarray(0, 10)), 409, 'UPLOAD_OFFSET_MISMATCH');
    expectTusError(await patch(path, owner.session, file.length, file.subarray(0, 10)), 400, 'VALIDATION');
    const chunked = await tus(server.url, 'PATCH', path, {
      session: owner.session,
      headers: { 'content-type': BYTES, 'upload-offset': String(file.length) },
      body: file.subarray(0, 1),
      chunked: true,
    });
    expectTusError(chunked, 400, 'VALIDATION');
    // Terminating it forgets the upload; the video keeps its file.
    expect((await tus(server.url, 'DELETE', path, { session: owner.session })).status).toBe(204);
    expectTusError(await head(path, owner.session), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
    expect(sha256((await fetchBytes(server.url, `/stream/videos/${vid}`)).bytes)).toBe(sha256(file));
  });

  it('creates with an empty chunked body and no type, as some clients send a POST without one', async () => {
    const { owner, vid } = await fresh();
    const answer = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      session: owner.session,
      headers: { 'upload-length': '1000' },
      body: new Uint8Array(0),
      chunked: true,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('upload-offset')).toBe('0');
  });

  it('takes the first bytes with the creation (creation-with-upload)', async () => {
    const file = mp4Bytes(50_000);
    const { owner, vid } = await fresh();
    const first = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      session: owner.session,
      headers: { 'upload-length': String(file.length), 'content-type': BYTES },
      body: file.subarray(0, 30_000),
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('upload-offset')).toBe('30000');
    const path = first.headers.get('location') ?? '';
    expect((await patch(path, owner.session, 30_000, file.subarray(30_000))).status).toBe(204);
    const streamed = await fetchBytes(server.url, `/stream/videos/${vid}`);
    expect(sha256(streamed.bytes)).toBe(sha256(file));
  });

  it('finishes a whole file sent with the creation', async () => {
    const file = mp4Bytes(20_000);
    const { owner, vid } = await fresh();
    const answer = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      session: owner.session,
      headers: { 'upload-length': String(file.length), 'content-type': BYTES },
      body: file,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('upload-offset')).toBe(String(file.length));
    const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
    expect(video.status).toBe('ready');
  });

  describe('refuses, with Tus-Resumable and the one error shape', () => {
    it.each([
      ['no Tus-Resumable', { tus: false }, 412, 'TUS_VERSION_UNSUPPORTED'],
      ['Tus-Resumable 0.2.2', { headers: { 'tus-resumable': '0.2.2' } }, 412, 'TUS_VERSION_UNSUPPORTED'],
      ['no Upload-Length', { headers: {} }, 400, 'VALIDATION'],
      ['Upload-Length -1', { headers: { 'upload-length': '-1' } }, 400, 'VALIDATION'],
      ['Upload-Length 1e3', { headers: { 'upload-length': '1e3' } }, 400, 'VALIDATION'],
      ['Upload-Length abc', { headers: { 'upload-length': 'abc' } }, 400, 'VALIDATION'],
      ['Upload-Length 0', { headers: { 'upload-length': '0' } }, 400, 'EMPTY_UPLOAD'],
      ['Upload-Defer-Length', { headers: { 'upload-defer-length': '1' } }, 400, 'VALIDATION'],
      ['over the limit', { headers: { 'upload-length': String(MAX + 1) } }, 413, 'PAYLOAD_TOO_LARGE'],
      [
        'a body of another type',
        { headers: { 'upload-length': '100', 'content-type': 'video/mp4' }, body: mp4Bytes(100) },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ] as const)('a creation with %s', async (_label, options, status, code) => {
      const { owner, vid } = await fresh();
      const answer = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
        session: owner.session,
        ...options,
        headers: { ...('headers' in options ? options.headers : { 'upload-length': '100' }) },
      });
      expectTusError(answer, status, code as ErrorCode);
      expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toEqual([]);
    });

    it('a creation without a session, for an unknown video, for another user, for an uploaded video', async () => {
      const { owner, vid } = await fresh();
      const headers = { 'upload-length': '1000' };
      expectTusError(
        await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, { headers }),
        401,
        'UNAUTHENTICATED',
      );
      expectTusError(
        await tus(server.url, 'POST', `/upload/videos/${UNKNOWN_VID}/resumable`, { session: owner.session, headers }),
        404,
        'VIDEO_NOT_FOUND',
      );
      const mallory = await register(server.url, `tus.mallory.${++users}`);
      expectTusError(
        await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, { session: mallory.session, headers }),
        403,
        'FORBIDDEN',
      );
      const file = mp4Bytes(1000);
      const done = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
        session: owner.session,
        headers: { ...headers, 'content-type': BYTES },
        body: file,
      });
      expect(done.status).toBe(201);
      expectTusError(
        await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, { session: owner.session, headers }),
        409,
        'ALREADY_UPLOADED',
      );
    });

    it('a PATCH at the wrong offset, of the wrong type, without a version, past the length', async () => {
      const file = mp4Bytes(10_000);
      const { owner, path } = await created(file.length);
      expect((await patch(path, owner.session, 0, file.subarray(0, 100))).status).toBe(204);
      const behind = await patch(path, owner.session, 0, file.subarray(0, 100));
      expectTusError(behind, 409, 'UPLOAD_OFFSET_MISMATCH');
      expectTusError(await patch(path, owner.session, 200, file.subarray(200, 300)), 409, 'UPLOAD_OFFSET_MISMATCH');
      expectTusError(
        await patch(path, owner.session, 100, file.subarray(100, 200), { 'content-type': 'video/mp4' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectTusError(
        await patch(path, owner.session, 100, file.subarray(100, 200), { 'tus-resumable': '2.0.0' }),
        412,
        'TUS_VERSION_UNSUPPORTED',
      );
      expectTusError(
        await patch(path, owner.session, 100, file.subarray(100, 200), { 'upload-offset': 'x' }),
        400,
        'VALIDATION',
      );
      expectTusError(await patch(path, owner.session, 100, mp4Bytes(10_000)), 400, 'VALIDATION');
      // Past the length without a declared one (chunked): refused as the bytes come.
      const chunked = await tus(server.url, 'PATCH', path, {
        session: owner.session,
        headers: { 'content-type': BYTES, 'upload-offset': '100' },
        body: mp4Bytes(10_000),
        chunked: true,
      });
      expectTusError(chunked, 400, 'VALIDATION');
      // None of it moved the offset.
      expect((await head(path, owner.session)).headers.get('upload-offset')).toBe('100');
    });

    it('HEAD, PATCH and DELETE without a session, of another user, of an unknown or malformed id', async () => {
      const { owner, path } = await created(1000);
      const mallory = await register(server.url, `tus.mallory.${++users}`);
      const unknown = `/upload/resumable/${'0'.repeat(32)}`;
      for (const method of ['HEAD', 'PATCH', 'DELETE']) {
        const headers: Record<string, string> =
          method === 'PATCH' ? { 'content-type': BYTES, 'upload-offset': '0' } : {};
        const body = method === 'PATCH' ? mp4Bytes(10) : undefined;
        const options = { headers, ...(body ? { body } : {}) };
        const refused = async (answer: Promise<BinaryAnswer>, status: number, code: ErrorCode) =>
          expectTusError(await answer, status, code, method);
        await refused(tus(server.url, method, path, options), 401, 'UNAUTHENTICATED');
        await refused(tus(server.url, method, path, { ...options, session: mallory.session }), 403, 'FORBIDDEN');
        await refused(
          tus(server.url, method, unknown, { ...options, session: owner.session }),
          404,
          'UPLOAD_NOT_FOUND',
        );
        const malformed = '/upload/resumable/not-an-id';
        await refused(tus(server.url, method, malformed, { ...options, session: owner.session }), 400, 'VALIDATION');
        await refused(tus(server.url, method, path, { ...options, tus: false }), 412, 'TUS_VERSION_UNSUPPORTED');
      }
    });

    it('a PATCH whose first bytes are not a video: 400 NOT_A_VIDEO and the upload ended', async () => {
      const { owner, vid, path } = await created(1000);
      const text = new TextEncoder().encode('this is not a video, just some text '.repeat(3));
      expectTusError(await patch(path, owner.session, 0, text), 400, 'NOT_A_VIDEO');
      expectTusError(await head(path, owner.session), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
      expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toEqual([]);
    });

    it('sniffs across PATCHes once there are enough bytes', async () => {
      const { owner, path } = await created(1000);
      const text = new TextEncoder().encode(
        'plain text that is no video at all, sent a few bytes at a time, and then some more',
      );
      expect((await patch(path, owner.session, 0, text.subarray(0, 10))).status).toBe(204);
      expectTusError(await patch(path, owner.session, 10, text.subarray(10)), 400, 'NOT_A_VIDEO');
    });
  });

  it('a one-shot upload that fills the video ends its unfinished resumable upload, bytes and all', async () => {
    const file = mp4Bytes(10_000);
    const { owner, vid, path } = await created(file.length);
    expect((await patch(path, owner.session, 0, file.subarray(0, 4000))).status).toBe(204);
    const oneShot = await fetchBytes(server.url, `/upload/videos/${vid}`, {
      method: 'POST',
      headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
      body: file,
    });
    expect(oneShot.status).toBe(200);
    expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toEqual([]);
    expectTusError(await head(path, owner.session), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
    expectTusError(await patch(path, owner.session, 4000, file.subarray(4000)), 404, 'UPLOAD_NOT_FOUND');
  });

  it('terminates: 204, bytes removed, then HEAD and PATCH answer 404', async () => {
    const file = mp4Bytes(10_000);
    const { owner, vid, path } = await created(file.length);
    expect((await patch(path, owner.session, 0, file.subarray(0, 5000))).status).toBe(204);
    expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toHaveLength(1);
    const ended = await tus(server.url, 'DELETE', path, { session: owner.session });
    expect(ended.status).toBe(204);
    expect(ended.headers.get('tus-resumable')).toBe('1.0.0');
    expect((await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(vid))).toEqual([]);
    expectTusError(await head(path, owner.session), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
    expectTusError(await patch(path, owner.session, 5000, file.subarray(5000)), 404, 'UPLOAD_NOT_FOUND');
    expectTusError(await tus(server.url, 'DELETE', path, { session: owner.session }), 404, 'UPLOAD_NOT_FOUND');
  });

  it('replaces an unfinished upload with a new creation: the old URL answers 404, its bytes are gone', async () => {
    const file = mp4Bytes(10_000);
    const first = await created(file.length);
    expect((await patch(first.path, first.owner.session, 0, file.subarray(0, 4000))).status).toBe(204);
    const second = await tus(server.url, 'POST', `/upload/videos/${first.vid}/resumable`, {
      session: first.owner.session,
      headers: { 'upload-length': String(file.length) },
    });
    expect(second.status).toBe(201);
    expectTusError(await head(first.path, first.owner.session), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
    const parts = (await filesIn(server.dataDir)).uploads.filter((name) => name.startsWith(first.vid));
    expect(parts).toEqual([`${first.vid}.${second.headers.get('location')?.split('/').pop()}.part`]);
  });
};

eachStore('tus 1.0 resumable uploads', resumableSuite);

const EXPIRY_MS = 1_500;

eachStore('tus 1.0 resumable uploads that expire', (kind) => {
  const server = useStreamServer(kind, { resumableExpiryMs: EXPIRY_MS });

  it('answers 404 once expired, and the scheduler removes bytes and row', async () => {
    const owner = await register(server.url, 'tus.expiring');
    const { id: vid } = await createVideo(server.url, owner, 'expiring');
    const file = mp4Bytes(10_000);
    const created = await tus(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      session: owner.session,
      headers: { 'upload-length': String(file.length), 'content-type': BYTES },
      body: file.subarray(0, 5000),
    });
    expect(created.status).toBe(201);
    const path = created.headers.get('location') ?? '';
    const id = path.split('/').pop() ?? '';
    expect((await stat(join(server.dataDir, 'uploads', `${vid}.${id}.part`))).size).toBe(5000);
    const expires = Date.parse(created.headers.get('upload-expires') ?? '');
    // The HTTP date has whole seconds: the upload is certainly expired a second after it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expires + 1000 - Date.now())));
    expectTusError(await tus(server.url, 'HEAD', path, { session: owner.session }), 404, 'UPLOAD_NOT_FOUND', 'HEAD');
    await eventually(
      'expired upload removed',
      async () =>
        (await filesIn(server.dataDir)).uploads.length === 0 &&
        (await server.store.uploads.expired(new Date(Date.now() + 86_400_000), 10)).length === 0,
      5_000,
    );
    // The video is still there, pending, for another upload.
    const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
    expect(video.status).toBe('pending');
  });
});

describe('tus 1.0 resumable uploads from a slow client', () => {
  const server = useStreamServer(memoryKind);

  it('records the bytes of a PATCH still in progress within a few seconds of their arrival', async () => {
    const file = mp4Bytes(200_000);
    const { owner, vid, path } = await freshUpload(server.url, 'tus.slow', file.length);
    const { req: slow, answered } = handWritten(server.url, 'PATCH', path, {
      'x-session-id': owner.session,
      'content-type': BYTES,
      'upload-offset': '0',
    });
    // 100 kB, well under the 1 MiB a batch holds, then nothing for a while.
    slow.write(file.subarray(0, 100_000));
    await eventually(
      'the first bytes recorded while the PATCH goes on',
      async () =>
        (await tus(server.url, 'HEAD', path, { session: owner.session })).headers.get('upload-offset') === '100000',
      6_000,
    );
    slow.end(file.subarray(100_000));
    expect((await answered).status).toBe(204);
    const streamed = await fetchBytes(server.url, `/stream/videos/${vid}`);
    expect(sha256(streamed.bytes)).toBe(sha256(file));
  });
});

describe('tus 1.0 creation-with-upload whose body stalls', () => {
  const server = useStreamServer(memoryKind, { streamIdleTimeoutMs: 1_000 });

  it('answers 201 with Location and the bytes kept, so the client goes on with PATCH', async () => {
    const owner = await register(server.url, 'tus.stalled');
    const { id: vid } = await createVideo(server.url, owner, 'stalled');
    const file = mp4Bytes(200_000);
    const { req: stalled, answered: answer } = handWritten(server.url, 'POST', `/upload/videos/${vid}/resumable`, {
      'x-session-id': owner.session,
      'content-type': BYTES,
      'upload-length': String(file.length),
      'content-length': String(file.length),
    });
    stalled.write(file.subarray(0, 70_000));
    const { status, headers } = await answer;
    stalled.destroy();
    expect(status).toBe(201);
    expect(headers['upload-offset']).toBe('70000');
    const path = String(headers.location);
    expect(path).toMatch(/^\/upload\/resumable\/[0-9a-f]{32}$/);
    const rest = await tus(server.url, 'PATCH', path, {
      session: owner.session,
      headers: { 'content-type': BYTES, 'upload-offset': '70000' },
      body: file.subarray(70_000),
    });
    expect(rest.status).toBe(204);
    expect(sha256((await fetchBytes(server.url, `/stream/videos/${vid}`)).bytes)).toBe(sha256(file));
  });
});

describe('tus 1.0 uploads whose last PATCH is cut after its last byte', () => {
  const server = useStreamServer(memoryKind);

  it('never says the upload is whole before it is: the last byte is sent again and finishes it', async () => {
    const file = mp4Bytes(50_000);
    const { owner, vid, path } = await freshUpload(server.url, 'tus.cut-at-end', file.length);
    // Chunked, every byte sent, then the connection cut before the body's end.
    const { req: cut } = handWritten(server.url, 'PATCH', path, {
      'x-session-id': owner.session,
      'content-type': BYTES,
      'upload-offset': '0',
    });
    cut.write(file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cut.destroy();
    let offset = '';
    await eventually('the cut PATCH recorded', async () => {
      const asked = await tus(server.url, 'HEAD', path, { session: owner.session });
      offset = asked.headers.get('upload-offset') ?? '';
      return asked.status === 200 && offset !== '0';
    });
    expect(Number(offset)).toBe(file.length - 1);
    const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
    expect(video.status).toBe('pending');
    const last = await tus(server.url, 'PATCH', path, {
      session: owner.session,
      headers: { 'content-type': BYTES, 'upload-offset': offset },
      body: file.subarray(Number(offset)),
    });
    expect(last.status).toBe(204);
    expect(sha256((await fetchBytes(server.url, `/stream/videos/${vid}`)).bytes)).toBe(sha256(file));
  });
});
