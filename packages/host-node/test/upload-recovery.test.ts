import { readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { streamTokensOf } from '../../core/src/internals.js';
import { openRaw, parseResponse } from './support/socket.js';
import { eventually, fetchBytes, mp4Bytes, multipartBody, uploadRaw, useStreamServer } from './support/stream.js';
import { createVideo, eachStore } from './support/suite.js';

const IDLE_MS = 400;

const recoverySuite = (kind: StoreKind) => {
  const server = useStreamServer(kind, { streamIdleTimeoutMs: IDLE_MS, streamTokens: 2 });
  const videoFile = (vid: string) => join(server.dataDir, 'videos', vid);
  const temps = () => readdir(join(server.dataDir, 'tmp'));

  /** Starts an upload that sends its head and then nothing more, over a raw socket. */
  const stall = async (path: string, session: string, contentType: string, head: Uint8Array, length: number) => {
    const conn = await openRaw(server.url);
    conn.socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Session-Id: ${session}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`,
    );
    conn.socket.write(head);
    return conn;
  };

  describe('an upload body that stalls', () => {
    it('ends with 408 in the one shape after the idle timeout; token back, nothing left, uploadable again', async () => {
      const owner = await register(server.url, 'staller');
      const video = await createVideo(server.url, owner);
      const started = Date.now();
      const conn = await stall(`/upload/videos/${video.id}`, owner.session, 'video/mp4', mp4Bytes(64 * 1024), 10 << 20);
      await conn.closed;
      const answer = parseResponse(conn.received());
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body).error.code).toBe('REQUEST_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS);
      await eventually('the token back', () => streamTokensOf(server.vodkit).available === 2);
      expect(await temps()).toEqual([]);
      expect((await uploadRaw(server.url, video.id, owner.session, mp4Bytes(4096))).status).toBe(200);
    });

    it('ends a stalled multipart upload the same way', async () => {
      const owner = await register(server.url, 'staller.form');
      const video = await createVideo(server.url, owner);
      const form = multipartBody([{ name: 'file', filename: 'a.mp4', type: 'video/mp4', data: mp4Bytes(64 * 1024) }]);
      const head = form.body.subarray(0, form.body.length - 100);
      const conn = await stall(`/upload/videos/${video.id}`, owner.session, form.contentType, head, form.body.length);
      await conn.closed;
      const answer = parseResponse(conn.received());
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body).error.code).toBe('REQUEST_TIMEOUT');
      await eventually('the token back', () => streamTokensOf(server.vodkit).available === 2);
      expect(await temps()).toEqual([]);
    });
  });

  describe('store and storage that disagree after a failure', () => {
    it('takes a new file for a ready video whose file was lost (a markReady whose answer never came)', async () => {
      const owner = await register(server.url, 'lost.file');
      const video = await createVideo(server.url, owner);
      expect((await uploadRaw(server.url, video.id, owner.session, mp4Bytes(2048))).status).toBe(200);
      // What an upload leaves when its markReady committed but the answer was lost: it removes its file.
      await server.vodkit.store.videos.markReady(video.id, { size: 2048, contentType: 'video/mp4' });
      await rm(videoFile(video.id));
      expect((await fetchBytes(server.url, `/stream/videos/${video.id}`)).status).toBe(404);

      const again = await uploadRaw(server.url, video.id, owner.session, mp4Bytes(3000));
      expect(again.status).toBe(200);
      expect(again.body.size).toBe(3000);
      const streamed = await fetchBytes(server.url, `/stream/videos/${video.id}`);
      expect(streamed.status).toBe(200);
      expect(streamed.bytes.length).toBe(3000);
      // And with its file in place, it is uploaded: 409 from then on.
      expect((await uploadRaw(server.url, video.id, owner.session, mp4Bytes(100))).status).toBe(409);
    });

    it('replaces the file of a pending video left by an upload that died after linking it, once it is stale', async () => {
      const owner = await register(server.url, 'orphan.file');
      const video = await createVideo(server.url, owner);
      await writeFile(videoFile(video.id), mp4Bytes(500));

      // Fresh: it could be an upload finishing right now on another instance.
      const early = await uploadRaw(server.url, video.id, owner.session, mp4Bytes(1000));
      expect(early.status).toBe(409);
      expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const old = new Date(Date.now() - 60_000);
      await utimes(videoFile(video.id), old, old);
      const late = await uploadRaw(server.url, video.id, owner.session, mp4Bytes(1000));
      expect(late.status).toBe(200);
      expect(late.body.size).toBe(1000);
      expect((await fetchBytes(server.url, `/stream/videos/${video.id}`)).bytes.length).toBe(1000);
    });
  });
};

eachStore('upload recovery', recoverySuite);
