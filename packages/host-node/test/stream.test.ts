import { contract } from '@vodkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import { mysqlDatabaseKind, type StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, expectNoContent } from './support/http.js';
import {
  type BinaryAnswer,
  fetchBytes,
  mp4Bytes,
  parseByteranges,
  uploadRaw,
  useStreamServer,
  webmBytes,
} from './support/stream.js';
import { createVideo, eachStore, UNKNOWN_VID } from './support/suite.js';

const api = contract.api;
const SIZE = 300_000;

/** A video of a new user, with `bytes` uploaded through the stream service. */
async function readyVideo(base: string, userName: string, bytes: Buffer, type = 'video/mp4') {
  const owner = await register(base, userName);
  const video = await createVideo(base, owner, userName);
  const uploaded = await uploadRaw(base, video.id, owner.session, bytes, type);
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  return { owner, video: expectJson(uploaded, 200, api.getVideo.responses[200]) };
}

/** Status, Content-Range and bytes of a 206 with one part. */
function expectPartial(answer: BinaryAnswer, file: Buffer, start: number, end: number) {
  expect({ status: answer.status, range: answer.headers.get('content-range') }).toEqual({
    status: 206,
    range: `bytes ${start}-${end}/${file.length}`,
  });
  expect(answer.headers.get('content-length')).toBe(String(end - start + 1));
  expect(answer.headers.get('content-type')).toBe('video/mp4');
  expect(answer.headers.get('accept-ranges')).toBe('bytes');
  expect(answer.bytes.equals(file.subarray(start, end + 1))).toBe(true);
}

const streamSuite = (kind: StoreKind) => {
  const server = useStreamServer(kind);
  const file = mp4Bytes(SIZE);
  let vid: string;
  let path: string;
  let etag: string;
  let lastModified: string;

  const get = (headers: Record<string, string> = {}, method = 'GET') =>
    fetchBytes(server.url, path, { method, headers });

  beforeAll(async () => {
    vid = (await readyVideo(server.url, 'streamer', file)).video.id;
    path = `/stream/videos/${vid}`;
    const whole = await get();
    etag = whole.headers.get('etag') ?? '';
    lastModified = whole.headers.get('last-modified') ?? '';
  });

  describe('GET /stream/videos/:vid', () => {
    it('200 with the whole file, its length, stored type, Accept-Ranges and validators', async () => {
      const answer = await get();
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(file)).toBe(true);
      expect(answer.headers.get('content-length')).toBe(String(SIZE));
      expect(answer.headers.get('content-type')).toBe('video/mp4');
      expect(answer.headers.get('accept-ranges')).toBe('bytes');
      expect(answer.headers.get('content-range')).toBeNull();
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    });

    it('206 for bytes=a-b, a-, -n, an end past the file and Safari’s bytes=0-1', async () => {
      expectPartial(await get({ range: 'bytes=100-1099' }), file, 100, 1099);
      expectPartial(await get({ range: 'bytes=0-0' }), file, 0, 0);
      expectPartial(await get({ range: `bytes=${SIZE - 1}-${SIZE - 1}` }), file, SIZE - 1, SIZE - 1);
      expectPartial(await get({ range: 'bytes=250000-' }), file, 250_000, SIZE - 1);
      expectPartial(await get({ range: 'bytes=-500' }), file, SIZE - 500, SIZE - 1);
      expectPartial(await get({ range: `bytes=-${SIZE * 2}` }), file, 0, SIZE - 1);
      expectPartial(await get({ range: 'bytes=299000-999999999' }), file, 299_000, SIZE - 1);
      expectPartial(await get({ range: 'bytes=0-1' }), file, 0, 1);
    });

    it('206 multipart/byteranges for several ranges, each part the file’s slice', async () => {
      const answer = await get({ range: 'bytes=0-99, 1000-1999, -10' });
      expect(answer.status).toBe(206);
      const type = answer.headers.get('content-type') ?? '';
      expect(type).toMatch(/^multipart\/byteranges; boundary=/);
      expect(answer.headers.get('content-length')).toBe(String(answer.bytes.length));
      expect(answer.headers.get('content-range')).toBeNull();
      const parts = parseByteranges(type, answer.bytes);
      expect(parts.map((part) => part.contentRange)).toEqual([
        `bytes 0-99/${SIZE}`,
        `bytes 1000-1999/${SIZE}`,
        `bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`,
      ]);
      for (const part of parts) expect(part.contentType).toBe('video/mp4');
      expect(parts[0]?.bytes.equals(file.subarray(0, 100))).toBe(true);
      expect(parts[1]?.bytes.equals(file.subarray(1000, 2000))).toBe(true);
      expect(parts[2]?.bytes.equals(file.subarray(SIZE - 10))).toBe(true);
    });

    it('416 with Content-Range: bytes */size when nothing is satisfiable', async () => {
      for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 5}-${SIZE + 10}`, 'bytes=-0']) {
        const answer = await get({ range });
        expectError(answer, 416, 'RANGE_NOT_SATISFIABLE');
        expect(answer.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      }
    });

    it('200 with the whole file for a Range it cannot parse', async () => {
      for (const range of ['bytes=abc', 'bytes=5-1', 'items=0-1', 'bytes', 'bytes=1-2-3', 'bytes=--1']) {
        const answer = await get({ range });
        expect({ range, status: answer.status }).toEqual({ range, status: 200 });
        expect(answer.bytes.equals(file)).toBe(true);
      }
    });

    it('HEAD gives the same headers as GET and no body', async () => {
      for (const headers of [{}, { range: 'bytes=10-19' }] as Record<string, string>[]) {
        const [got, head] = [await get(headers), await get(headers, 'HEAD')];
        expect(head.status).toBe(got.status);
        expect(head.bytes.length).toBe(0);
        for (const name of [
          'content-length',
          'content-type',
          'accept-ranges',
          'etag',
          'last-modified',
          'content-range',
        ]) {
          expect({ name, value: head.headers.get(name) }).toEqual({ name, value: got.headers.get(name) });
        }
      }
      const missing = await get({ range: `bytes=${SIZE}-` }, 'HEAD');
      expect(missing.status).toBe(416);
      expect(missing.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    });

    it('304 for If-None-Match: the tag, a list holding it, *, its weak form', async () => {
      for (const value of [etag, `"nope", ${etag}`, '*', `W/${etag}`]) {
        const answer = await get({ 'if-none-match': value });
        expect({ value, status: answer.status }).toEqual({ value, status: 304 });
        expect(answer.bytes.length).toBe(0);
        expect(answer.headers.get('etag')).toBe(etag);
      }
      const other = await get({ 'if-none-match': '"something-else"' });
      expect(other.status).toBe(200);
      expect(other.bytes.equals(file)).toBe(true);
    });

    it('304 for If-Modified-Since at or after Last-Modified, 200 before', async () => {
      const at = new Date(lastModified);
      expect((await get({ 'if-modified-since': lastModified })).status).toBe(304);
      expect((await get({ 'if-modified-since': new Date(at.getTime() + 3_600_000).toUTCString() })).status).toBe(304);
      const before = await get({ 'if-modified-since': new Date(at.getTime() - 3_600_000).toUTCString() });
      expect(before.status).toBe(200);
      expect(before.bytes.equals(file)).toBe(true);
      // If-None-Match takes precedence over If-Modified-Since.
      expect((await get({ 'if-none-match': '"other"', 'if-modified-since': lastModified })).status).toBe(200);
    });

    it('If-Range: 206 when it matches (tag or date), the whole file when it does not', async () => {
      expectPartial(await get({ range: 'bytes=5-9', 'if-range': etag }), file, 5, 9);
      expectPartial(await get({ range: 'bytes=5-9', 'if-range': lastModified }), file, 5, 9);
      for (const ifRange of ['"stale"', new Date(new Date(lastModified).getTime() - 60_000).toUTCString()]) {
        const answer = await get({ range: 'bytes=5-9', 'if-range': ifRange });
        expect({ ifRange, status: answer.status }).toEqual({ ifRange, status: 200 });
        expect(answer.bytes.equals(file)).toBe(true);
      }
    });

    it('serves the stored, sniffed content type (WebM)', async () => {
      const webm = webmBytes(5000);
      // Declared as mp4: the sniffed type is what is stored.
      const { video } = await readyVideo(server.url, 'webm.owner', webm, 'video/mp4');
      expect(video.content_type).toBe('video/webm');
      const answer = await fetchBytes(server.url, `/stream/videos/${video.id}`);
      expect(answer.headers.get('content-type')).toBe('video/webm');
      expect(answer.bytes.equals(webm)).toBe(true);
    });

    it('404 for an unknown, a pending and a deleted video; 400 for a vid that is not a UUID', async () => {
      expectError(await fetchBytes(server.url, `/stream/videos/${UNKNOWN_VID}`), 404, 'VIDEO_NOT_FOUND');
      const head = await fetchBytes(server.url, `/stream/videos/${UNKNOWN_VID}`, { method: 'HEAD' });
      expect({ status: head.status, length: head.bytes.length }).toEqual({ status: 404, length: 0 });
      const owner = await register(server.url, 'pending.owner');
      const pending = await createVideo(server.url, owner, 'pending');
      expectError(await fetchBytes(server.url, `/stream/videos/${pending.id}`), 404, 'VIDEO_NOT_FOUND');
      const { owner: deleter, video } = await readyVideo(server.url, 'deleter', mp4Bytes(2000));
      expect((await fetchBytes(server.url, `/stream/videos/${video.id}`)).status).toBe(200);
      expectNoContent(await call(server.url, 'DELETE', `/api/videos/${video.id}`, { session: deleter.session }));
      expectError(await fetchBytes(server.url, `/stream/videos/${video.id}`), 404, 'VIDEO_NOT_FOUND');
      expectError(
        await fetchBytes(server.url, `/stream/videos/${video.id}`, { headers: { range: 'bytes=0-1' } }),
        404,
        'VIDEO_NOT_FOUND',
      );
      for (const bad of ['not-a-uuid', UNKNOWN_VID.toUpperCase().replace(/-/g, ''), '123']) {
        expectError(await fetchBytes(server.url, `/stream/videos/${bad}`), 400, 'VALIDATION');
      }
    });
  });
};

eachStore('streaming over a real socket', streamSuite);

describeMysql('stream validators across a restart on the same data dir and database', (serverUrl) => {
  let db: TestDatabase;
  let dataDir: string;
  let server: TestServer | undefined;
  let owner: TestServer | undefined;
  beforeAll(async () => {
    db = await freshDatabase(serverUrl);
    // The first server owns (and at the end removes) the data dir; the restarts share it.
    owner = await startServer(mysqlDatabaseKind(db.url), { dataDir: true });
    dataDir = owner.dataDir as string;
  });
  afterAll(async () => {
    try {
      await server?.close();
      await owner?.close();
    } finally {
      await db.drop();
    }
  });

  it('sends the same ETag and Last-Modified, and If-None-Match still gives 304', async () => {
    const file = mp4Bytes(50_000);
    const { video } = await readyVideo((owner as TestServer).url, 'restart.owner', file);
    const path = `/stream/videos/${video.id}`;
    const before = await fetchBytes((owner as TestServer).url, path);
    server = await startServer(mysqlDatabaseKind(db.url), { dataDir });
    const after = await fetchBytes(server.url, path);
    expect(after.status).toBe(200);
    expect(after.bytes.equals(file)).toBe(true);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.headers.get('last-modified')).toBe(before.headers.get('last-modified'));
    const revalidated = await fetchBytes(server.url, path, {
      headers: { 'if-none-match': before.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);
    await server.close();
    server = await startServer(mysqlDatabaseKind(db.url), { dataDir });
    expect((await fetchBytes(server.url, path)).headers.get('etag')).toBe(before.headers.get('etag'));
  });
});
