import { request } from 'node:http';
import { contract } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { streamTokensOf } from '../../core/src/internals.js';
import { expectError, expectJson } from './support/http.js';
import {
  type BinaryAnswer,
  eventually,
  fetchBytes,
  filesIn,
  mp4Bytes,
  multipartBody,
  oggBytes,
  type StreamServed,
  uploadMultipart,
  uploadRaw,
  useStreamServer,
} from './support/stream.js';
import { createVideo, eachStore, UNKNOWN_VID } from './support/suite.js';

const api = contract.api;
const MAX = 100_000;

/** The video reads back pending through the API, and nothing of it is on disk. */
async function expectNothingStored(server: StreamServed, vid: string) {
  const video = expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200]);
  expect({ status: video.status, size: video.size, content_type: video.content_type }).toEqual({
    status: 'pending',
    size: null,
    content_type: null,
  });
  await eventually('temporary files removed', async () => (await filesIn(server.dataDir)).tmp.length === 0);
  expect((await filesIn(server.dataDir)).videos).not.toContain(vid);
  expectError(await fetchBytes(server.url, `/stream/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');
}

/** A 200 with the ready video, and the stream then serves exactly `bytes`. */
async function expectStored(server: StreamServed, answer: BinaryAnswer, vid: string, bytes: Buffer, type: string) {
  const video = expectJson(answer, 200, api.getVideo.responses[200]);
  expect(video).toMatchObject({ id: vid, status: 'ready', size: bytes.length, content_type: type });
  expect(expectJson(await call(server.url, 'GET', `/api/videos/${vid}`), 200, api.getVideo.responses[200])).toEqual(
    video,
  );
  const streamed = await fetchBytes(server.url, `/stream/videos/${vid}`);
  expect(streamed.status).toBe(200);
  expect(streamed.headers.get('content-type')).toBe(type);
  expect(streamed.bytes.equals(bytes)).toBe(true);
  expect((await filesIn(server.dataDir)).videos).toContain(vid);
}

const uploadSuite = (kind: StoreKind) => {
  const server = useStreamServer(kind, { maxUploadBytes: MAX });
  let users = 0;
  /** A new user and a pending video of theirs. */
  const fresh = async () => {
    const owner = await register(server.url, `up.${++users}`);
    const video = await createVideo(server.url, owner, 'to upload');
    return { owner, vid: video.id };
  };

  describe('POST /upload/videos/:vid', () => {
    it('200 for a raw video/mp4 body: ready, with size and sniffed type, then streamed back', async () => {
      const { owner, vid } = await fresh();
      const bytes = mp4Bytes(80_000);
      await expectStored(server, await uploadRaw(server.url, vid, owner.session, bytes), vid, bytes, 'video/mp4');
    });

    it('200 for the `file` field of multipart/form-data (an Ogg file)', async () => {
      const { owner, vid } = await fresh();
      const bytes = oggBytes(60_000);
      await expectStored(server, await uploadMultipart(server.url, vid, owner.session, bytes), vid, bytes, 'video/ogg');
    });

    it('200 for a chunked raw body just under the limit', async () => {
      const { owner, vid } = await fresh();
      const bytes = mp4Bytes(MAX);
      const answer = await fetchBytes(server.url, `/upload/videos/${vid}`, {
        method: 'POST',
        headers: { 'content-type': 'video/quicktime', 'x-session-id': owner.session },
        body: bytes,
        chunked: true,
      });
      await expectStored(server, answer, vid, bytes, 'video/mp4');
    });

    it("401 without a session, 403 for another user's video, 404 for an unknown one, 409 the second time", async () => {
      const { owner, vid } = await fresh();
      const other = await register(server.url, 'up.other');
      const bytes = mp4Bytes(1000);
      expectError(await uploadRaw(server.url, vid, undefined, bytes), 401, 'UNAUTHENTICATED');
      expectError(await uploadRaw(server.url, vid, 'not-a-session', bytes), 401, 'UNAUTHENTICATED');
      expectError(await uploadRaw(server.url, vid, other.session, bytes), 403, 'FORBIDDEN');
      expectError(await uploadRaw(server.url, UNKNOWN_VID, owner.session, bytes), 404, 'VIDEO_NOT_FOUND');
      expectError(await uploadRaw(server.url, 'not-a-uuid', owner.session, bytes), 400, 'VALIDATION');
      await expectNothingStored(server, vid);
      expect((await uploadRaw(server.url, vid, owner.session, bytes)).status).toBe(200);
      expectError(await uploadRaw(server.url, vid, owner.session, mp4Bytes(2000)), 409, 'ALREADY_UPLOADED');
      expectError(await uploadMultipart(server.url, vid, owner.session, mp4Bytes(2000)), 409, 'ALREADY_UPLOADED');
      // The first file is the one kept.
      expect((await fetchBytes(server.url, `/stream/videos/${vid}`)).bytes.equals(bytes)).toBe(true);
    });

    it('400 EMPTY_UPLOAD for an empty body, raw or as the file field', async () => {
      const { owner, vid } = await fresh();
      expectError(await uploadRaw(server.url, vid, owner.session, new Uint8Array()), 400, 'EMPTY_UPLOAD');
      const chunkedEmpty = await fetchBytes(server.url, `/upload/videos/${vid}`, {
        method: 'POST',
        headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
        chunked: true,
      });
      expectError(chunkedEmpty, 400, 'EMPTY_UPLOAD');
      expectError(await uploadMultipart(server.url, vid, owner.session, new Uint8Array()), 400, 'EMPTY_UPLOAD');
      await expectNothingStored(server, vid);
    });

    it('400 NOT_A_VIDEO for bytes that are not a video, whatever the declared type; nothing kept', async () => {
      const { owner, vid } = await fresh();
      const text = Buffer.from('just some text, not a video at all\n'.repeat(2000));
      expectError(await uploadRaw(server.url, vid, owner.session, text), 400, 'NOT_A_VIDEO');
      expectError(await uploadRaw(server.url, vid, owner.session, Buffer.from('tiny')), 400, 'NOT_A_VIDEO');
      expectError(await uploadMultipart(server.url, vid, owner.session, text), 400, 'NOT_A_VIDEO');
      await expectNothingStored(server, vid);
      // The video can still be uploaded.
      expect((await uploadRaw(server.url, vid, owner.session, mp4Bytes(3000))).status).toBe(200);
    });

    it('415 for a body that is neither video/* nor multipart/form-data', async () => {
      const { owner, vid } = await fresh();
      for (const type of ['text/plain', 'application/json', 'application/octet-stream']) {
        expectError(
          await uploadRaw(server.url, vid, owner.session, mp4Bytes(1000), type),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      }
      await expectNothingStored(server, vid);
    });

    it('400 for a form without a `file` field, and for a form cut before its closing boundary', async () => {
      const { owner, vid } = await fresh();
      const post = (body: Uint8Array, contentType: string) =>
        fetchBytes(server.url, `/upload/videos/${vid}`, {
          method: 'POST',
          headers: { 'content-type': contentType, 'x-session-id': owner.session },
          body,
        });
      const noFile = multipartBody([
        { name: 'title', data: 'no file here' },
        { name: 'other', filename: 'clip.mp4', data: mp4Bytes(1000) },
      ]);
      expectError(await post(noFile.body, noFile.contentType), 400, 'VALIDATION');
      const whole = multipartBody([{ name: 'file', filename: 'clip.mp4', data: mp4Bytes(50_000) }]);
      for (const cut of [whole.body.length - 10, 30_000, 100]) {
        const answer = await post(whole.body.subarray(0, cut), whole.contentType);
        expect({ cut, status: answer.status }).toEqual({ cut, status: 400 });
        expectError(answer, 400, answer.body?.error?.code);
      }
      const noBoundary = await post(whole.body, 'multipart/form-data');
      expectError(noBoundary, 400, 'VALIDATION');
      await expectNothingStored(server, vid);
    });

    it('413 over the limit, with a Content-Length or chunked, raw or multipart; nothing kept', async () => {
      const { owner, vid } = await fresh();
      const big = mp4Bytes(MAX + 1);
      expectError(await uploadRaw(server.url, vid, owner.session, mp4Bytes(MAX * 3)), 413, 'PAYLOAD_TOO_LARGE');
      const chunked = await fetchBytes(server.url, `/upload/videos/${vid}`, {
        method: 'POST',
        headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
        body: big,
        chunked: true,
      });
      expectError(chunked, 413, 'PAYLOAD_TOO_LARGE');
      expectError(await uploadRaw(server.url, vid, owner.session, big), 413, 'PAYLOAD_TOO_LARGE');
      // Inside the multipart allowance for framing, but a file over the limit.
      expectError(await uploadMultipart(server.url, vid, owner.session, big), 413, 'PAYLOAD_TOO_LARGE');
      await expectNothingStored(server, vid);
      expect((await uploadRaw(server.url, vid, owner.session, mp4Bytes(MAX))).status).toBe(200);
    });

    it('two uploads of one video at once: exactly one 200, the other 409, and one file', async () => {
      const { owner, vid } = await fresh();
      const [a, b] = [mp4Bytes(90_000), mp4Bytes(90_000)];
      const answers = await Promise.all([
        uploadRaw(server.url, vid, owner.session, a),
        uploadMultipart(server.url, vid, owner.session, b),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      const loser = answers.find((answer) => answer.status === 409) as BinaryAnswer;
      expectError(loser, 409, 'ALREADY_UPLOADED');
      const winner = answers[0]?.status === 200 ? a : b;
      const streamed = await fetchBytes(server.url, `/stream/videos/${vid}`);
      expect(streamed.bytes.equals(winner)).toBe(true);
      expect((await filesIn(server.dataDir)).tmp).toEqual([]);
      // Tokens go back once the server has written each answer, a moment after the client has it.
      const tokens = streamTokensOf(server.vodkit);
      await eventually('every token back', () => tokens.available === tokens.capacity);
    });

    it('a client that goes away mid-upload leaves nothing, gives its token back, and the video can be uploaded', async () => {
      const { owner, vid } = await fresh();
      const { hostname, port } = new URL(server.url);
      const req = request({
        host: hostname,
        port,
        method: 'POST',
        path: `/upload/videos/${vid}`,
        headers: { 'content-type': 'video/mp4', 'content-length': 90_000, 'x-session-id': owner.session },
        agent: false,
      });
      req.on('error', () => {});
      req.write(mp4Bytes(40_000));
      // The upload is under way once its temporary file exists.
      await eventually('a temporary file', async () => (await filesIn(server.dataDir)).tmp.length > 0);
      const tokens = streamTokensOf(server.vodkit);
      expect(tokens.available).toBe(tokens.capacity - 1);
      req.destroy();
      await eventually('the token back', () => tokens.available === tokens.capacity);
      await expectNothingStored(server, vid);
      const bytes = mp4Bytes(5000);
      await expectStored(server, await uploadRaw(server.url, vid, owner.session, bytes), vid, bytes, 'video/mp4');
    });
  });
};

eachStore('uploads over a real socket', uploadSuite);
