import { contract, type ErrorCode, type VodkitOptions } from '@vodkit/core';
import { beforeAll, expect } from 'vitest';
import { call, register } from '../../../../test/support/server.js';
import type { StoreKind } from '../../../../test/support/stores.js';
import { type Answer, expectJson, send } from './http.js';
import { createVideo, useServer } from './suite.js';

export type User = Awaited<ReturnType<typeof register>>;

/** What the rows of a bad-input table act on, made once per suite. */
export interface Ctx {
  url: string;
  alice: User;
  bob: User;
  /** A video of alice's. */
  vid: string;
}

/** One row: what it sends, and the exact status and code it must answer. */
export type Row = [label: string, request: (ctx: Ctx) => Promise<Answer>, status: number, code: ErrorCode];

/** Registers alice and bob, and one video of alice's, into `ctx`. */
export async function fillCtx(ctx: Ctx, url: string) {
  ctx.url = url;
  ctx.alice = await register(url, 'alice');
  ctx.bob = await register(url, 'bob', 'bob password');
  ctx.vid = (await createVideo(url, ctx.alice, "alice's video")).id;
}

/** alice still has just her one video, and it has no comment: what the bad-input suites end by checking. */
export async function expectOnlyAlicesVideo(ctx: Ctx) {
  const videos = await call(ctx.url, 'GET', '/api/user/alice/videos');
  expect(expectJson(videos, 200, contract.api.listVideos.responses[200]).videos.map((v) => v.id)).toEqual([ctx.vid]);
  const comments = await call(ctx.url, 'GET', `/api/videos/${ctx.vid}/comments`);
  expect(expectJson(comments, 200, contract.api.listComments.responses[200]).comments).toEqual([]);
}

/** useServer, and a Ctx filled (fillCtx) in beforeAll once the server is up; both objects are set there. */
export function useServerWithCtx(kind: StoreKind, options: Partial<VodkitOptions> = {}) {
  const server = useServer(kind, options);
  const ctx = {} as Ctx;
  beforeAll(() => fillCtx(ctx, server.url));
  return { server, ctx };
}

export interface RawOptions {
  method?: string;
  /** Default `application/json`; null sends no Content-Type at all. */
  contentType?: string | null;
  session?: string;
  headers?: Record<string, string>;
  chunked?: boolean;
}

/** Sends `body` exactly as given (not JSON-encoded by the test), with a JSON content type unless told. */
export function raw(ctx: Ctx, path: string, body: string | Uint8Array | undefined, options: RawOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  if (options.session) headers['x-session-id'] = options.session;
  return send(ctx.url, {
    method: options.method ?? 'POST',
    path,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.chunked ? { chunked: true } : {}),
  });
}

/** The JSON routes, each with a valid body and the session it needs, for rows that vary one thing. */
type Body = string | Uint8Array;

export const jsonRoutes = {
  register: (ctx: Ctx, body: Body, options: RawOptions = {}) => raw(ctx, '/api/register', body, options),
  login: (ctx: Ctx, body: Body, options: RawOptions = {}) => raw(ctx, '/api/login', body, options),
  deleteUser: (ctx: Ctx, body: Body, options: RawOptions = {}) =>
    raw(ctx, '/api/user/bob', body, { method: 'DELETE', session: ctx.bob.session, ...options }),
  createVideo: (ctx: Ctx, body: Body, options: RawOptions = {}) =>
    raw(ctx, '/api/user/alice/videos', body, { session: ctx.alice.session, ...options }),
  createComment: (ctx: Ctx, body: Body, options: RawOptions = {}) =>
    raw(ctx, `/api/videos/${ctx.vid}/comments`, body, { session: ctx.bob.session, ...options }),
};

export type JsonRoute = keyof typeof jsonRoutes;

/** A body every JSON route accepts as valid, for rows that break only the framing. */
export const validBody: Record<JsonRoute, string> = {
  register: JSON.stringify({ user_name: 'newcomer', pwd: 'password1' }),
  login: JSON.stringify({ user_name: 'alice', pwd: 'correct horse battery' }),
  deleteUser: JSON.stringify({ pwd: 'bob password' }),
  createVideo: JSON.stringify({ name: 'ok' }),
  createComment: JSON.stringify({ content: 'ok' }),
};
