import { contract } from '@vodkit/core';
import { expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { raw, useServerWithCtx } from './support/bad-input.js';
import { expectError, expectJson, send } from './support/http.js';
import { createVideo, eachStore } from './support/suite.js';

const UUID = '7a0c5e1f-2b3d-4c4e-9f5a-6b7c8d9e0f1a';

/**
 * Paths sent byte for byte, each a 400 VALIDATION naming what is wrong: `:vid` must be
 * a UUID and `:user_name` a user name, checked before any I/O; dot segments (`..`,
 * `%2e%2e`, `.`) and backslashes (`\`, `%5C`) are refused as a whole (`path`), not
 * resolved into another route.
 */
const paths: [method: string, path: string, where: 'params.vid' | 'params.user_name' | 'path'][] = [
  ['GET', '/api/videos/not-a-uuid', 'params.vid'],
  ['GET', '/api/videos/..%2F..%2Fetc%2Fpasswd', 'params.vid'],
  ['GET', '/api/videos/..%2f..%2fetc%2fpasswd/comments', 'params.vid'],
  ['GET', '/api/videos/..%5C..%5Cwindows', 'path'],
  ['GET', '/api/videos/%2e%2e%2f', 'params.vid'],
  ['GET', '/api/videos/x%5c..', 'path'],
  ['GET', '/api/videos/...', 'params.vid'],
  ['GET', '/api/videos/%2e%2e', 'path'],
  ['GET', '/api/videos/%2E%2e/comments', 'path'],
  ['GET', '/api/videos/../videos/x', 'path'],
  ['GET', '/api/%2e/videos/x', 'path'],
  ['GET', '/api/user/bob/%2e%2e/alice', 'path'],
  ['GET', '/api/user/alice/videos/..', 'path'],
  ['GET', '/api\\user\\alice', 'path'],
  ['GET', `/api/videos/${UUID}x`, 'params.vid'],
  ['GET', `/api/videos/${UUID}%20`, 'params.vid'],
  ['GET', `/api/videos/${UUID}%00`, 'params.vid'],
  ['GET', `/api/videos/${UUID};x`, 'params.vid'],
  ['GET', `/api/videos/x${UUID}`, 'params.vid'],
  ['GET', `/api/videos/${UUID.replaceAll('-', '')}`, 'params.vid'],
  ['GET', `/api/videos/{${UUID}}`, 'params.vid'],
  ['GET', `/api/videos/${UUID.slice(0, -1)}g`, 'params.vid'],
  ['GET', '/api/videos/%zz', 'params.vid'],
  ['GET', '/api/videos/%E0%A4%A', 'params.vid'],
  ['GET', '/api/videos/%ED%A0%80', 'params.vid'],
  ['GET', '/api/user/%FF', 'params.user_name'],
  ['GET', '/api/user/..%2Falice', 'params.user_name'],
  ['GET', '/api/user/alice%2F..%2Fbob/videos', 'params.user_name'],
  ['GET', '/api/user/%E0%A4%A/videos', 'params.user_name'],
  ['DELETE', '/api/videos/..%2F..%2Fetc%2Fpasswd', 'params.vid'],
  ['DELETE', `/api/videos/${UUID}%2F`, 'params.vid'],
  ['DELETE', `/api/videos/${UUID}/..`, 'path'],
];

const badPathsSuite = (kind: StoreKind) => {
  const { ctx } = useServerWithCtx(kind);

  it.each(paths)('%s %s is 400 VALIDATION on %s', async (method, path, where) => {
    const answer = await send(ctx.url, { method, path, headers: { 'x-session-id': ctx.alice.session } });
    expectError(answer, 400, 'VALIDATION');
    expect(answer.body.error.details?.map((detail: { path: string }) => detail.path)).toEqual([where]);
  });

  it('a user named "..." is a name, not a dot segment', async () => {
    const dots = await register(ctx.url, '...');
    await createVideo(ctx.url, dots, 'dotted');
    const list = await send(ctx.url, { path: '/api/user/.../videos' });
    expect(expectJson(list, 200, contract.api.listVideos.responses[200]).videos.map((v) => v.author)).toEqual(['...']);
  });

  it('a UUID with a trailing slash is another path, which no route matches', async () => {
    expectError(await send(ctx.url, { path: `/api/videos/${UUID}/` }), 404, 'NOT_FOUND');
  });

  it.each([
    ['..%2F..%2Fetc%2Fpasswd', 400, 'VALIDATION'],
    [`${UUID}x`, 400, 'VALIDATION'],
    ['%2e%2e', 400, 'VALIDATION'],
    ['.', 400, 'VALIDATION'],
  ] as const)('POST a comment to %s is %i %s, with a valid body and session', async (vid, status, code) => {
    const answer = await raw(ctx, `/api/videos/${vid}/comments`, '{"content":"x"}', { session: ctx.bob.session });
    expectError(answer, status, code);
  });

  it("alice's video was not touched", async () => {
    const video = expectJson(
      await call(ctx.url, 'GET', `/api/videos/${ctx.vid}`),
      200,
      contract.api.getVideo.responses[200],
    );
    expect(video.id).toBe(ctx.vid);
    const comments = await call(ctx.url, 'GET', `/api/videos/${ctx.vid}/comments`);
    expect(expectJson(comments, 200, contract.api.listComments.responses[200]).comments).toEqual([]);
  });
};

eachStore('bad paths', badPathsSuite);
