import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { streamTokensOf } from '../../core/src/internals.js';
import { expectError } from './support/http.js';
import { eventually, fetchBytes, mp4Bytes, uploadRaw, useStreamServer } from './support/stream.js';
import { createVideo, eachStore, UNKNOWN_VID } from './support/suite.js';

const TOKENS = 3;
// Larger than what the loopback socket buffers absorb, so a reader that stops holds the response open.
const BIG = 24 * 1024 * 1024;

/** A GET whose response is read for one chunk and then left unread: it holds its token. */
function holdStream(base: string, path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, agent: false });
    req.on('error', () => {});
    req.on('response', (res) => {
      res.on('error', () => {});
      res.once('data', () => {
        res.pause();
        resolve({ req, res });
      });
    });
    req.once('error', reject);
    req.end();
  });
}

const tokensSuite = (kind: StoreKind) => {
  const server = useStreamServer(kind, { streamTokens: TOKENS });

  describe('the stream token bucket over HTTP', () => {
    it('N streams held open: the next is 429 with Retry-After; closed, service comes back', async () => {
      const owner = await register(server.url, 'holder');
      const video = await createVideo(server.url, owner, 'big');
      expect((await uploadRaw(server.url, video.id, owner.session, mp4Bytes(BIG))).status).toBe(200);
      const tokens = streamTokensOf(server.vodkit);
      // The upload's token goes back when the server has written its answer, which can be
      // a moment after the client has read it.
      await eventually('the upload token back', () => tokens.available === TOKENS);
      const path = `/stream/videos/${video.id}`;

      const held = await Promise.all(Array.from({ length: TOKENS }, () => holdStream(server.url, path)));
      expect(tokens.available).toBe(0);
      for (const answer of [
        await fetchBytes(server.url, path),
        await fetchBytes(server.url, path, { headers: { range: 'bytes=0-1' } }),
        await fetchBytes(server.url, `/upload/videos/${video.id}`, {
          method: 'POST',
          headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
          body: mp4Bytes(1000),
        }),
      ]) {
        expectError(answer, 429, 'TOO_MANY_REQUESTS');
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The API is not rationed.
      expect((await fetchBytes(server.url, `/api/videos/${video.id}`)).status).toBe(200);
      expect(tokens.available).toBe(0);

      for (const { req, res } of held) {
        res.destroy();
        req.destroy();
      }
      await eventually('every token back', () => tokens.available === TOKENS);
      const again = await fetchBytes(server.url, path, { headers: { range: 'bytes=0-99' } });
      expect(again.status).toBe(206);
      await eventually('its token back', () => tokens.available === TOKENS);
    });

    it('404, 416, 304, HEAD, 400 and refused uploads give their token back', async () => {
      const owner = await register(server.url, 'returner');
      const video = await createVideo(server.url, owner, 'small');
      const path = `/stream/videos/${video.id}`;
      const tokens = streamTokensOf(server.vodkit);
      expect((await fetchBytes(server.url, path)).status).toBe(404);
      expect((await uploadRaw(server.url, video.id, owner.session, Buffer.from('not a video'))).status).toBe(400);
      expect((await uploadRaw(server.url, video.id, undefined, mp4Bytes(100))).status).toBe(401);
      expect((await uploadRaw(server.url, video.id, owner.session, mp4Bytes(1000))).status).toBe(200);
      const whole = await fetchBytes(server.url, path);
      const statuses = [
        (await fetchBytes(server.url, `/stream/videos/${UNKNOWN_VID}`)).status,
        (await fetchBytes(server.url, path, { headers: { range: 'bytes=5000-' } })).status,
        (await fetchBytes(server.url, path, { headers: { 'if-none-match': whole.headers.get('etag') ?? '' } })).status,
        (await fetchBytes(server.url, path, { method: 'HEAD' })).status,
        (await fetchBytes(server.url, '/stream/videos/not-a-uuid')).status,
      ];
      expect(statuses).toEqual([404, 416, 304, 200, 400]);
      // More requests than tokens, one after another: none is refused.
      for (let i = 0; i < TOKENS * 3; i++)
        expect((await fetchBytes(server.url, `/stream/videos/${UNKNOWN_VID}`)).status).toBe(404);
      await eventually('every token back', () => tokens.available === TOKENS);
    });
  });
};

eachStore('stream tokens', tokensSuite);
