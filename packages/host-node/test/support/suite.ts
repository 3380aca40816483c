import { contract, type VodkitOptions } from '@vodkit/core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { describeMysql } from '../../../../test/support/mysql.js';
import { call, startServer, type TestServer } from '../../../../test/support/server.js';
import { memoryKind, mysqlKind, type StoreKind, sqliteKind } from '../../../../test/support/stores.js';
import { expectJson } from './http.js';

/** The running server's fields, set by useServer's beforeAll: read them inside tests and hooks only. */
export type Served = Omit<TestServer, 'close'>;

/**
 * Starts a server over a new store of `kind` in beforeAll and closes it in afterAll.
 * The returned object is empty until beforeAll has run; keep it, do not destructure it.
 */
export function useServer(kind: StoreKind, options: Partial<VodkitOptions> = {}): Served {
  const served = {} as Served;
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind, options);
    Object.assign(served, { url: server.url, vodkit: server.vodkit, store: server.store });
  });
  afterAll(() => server.close());
  return served;
}

/** Runs one suite once per store adapter: every backend answers the same HTTP. */
export function eachStore(title: string, suite: (kind: StoreKind) => void) {
  describe(`${title} (memory)`, () => suite(memoryKind));
  describe(`${title} (sqlite)`, () => suite(sqliteKind));
  describeMysql(`${title} (mysql)`, (url) => suite(mysqlKind(url)));
}

/** A clock the test moves by hand, for `createVodkit({ clock })`. */
export function manualClock(start = Date.UTC(2030, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

/** A well-formed video id that no test ever creates. */
export const UNKNOWN_VID = '6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b';

const api = contract.api;

/** Creates a video through the API and returns its parsed body. */
export async function createVideo(base: string, owner: { userName: string; session: string }, name = 'a video') {
  const created = await call(base, 'POST', `/api/user/${owner.userName}/videos`, {
    session: owner.session,
    body: { name },
  });
  return expectJson(created, 201, api.createVideo.responses[201]);
}

/** Posts a comment through the API and returns its parsed body. */
export async function postComment(base: string, session: string, videoId: string, content = 'nice') {
  const created = await call(base, 'POST', `/api/videos/${videoId}/comments`, { session, body: { content } });
  return expectJson(created, 201, api.createComment.responses[201]);
}

type Page<K extends string> = Record<K, readonly unknown[]> & { next_cursor: string | null };

/**
 * Follows `next_cursor` from `path` to the end; returns every page, each checked
 * against `schema` and holding at most `limit` items under `key`.
 */
export async function pages<K extends string, P extends Page<K>>(
  base: string,
  path: string,
  key: K,
  schema: { parse(value: unknown): P },
  limit: number,
) {
  const all: P[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = expectJson(await call(base, 'GET', `${path}${query}`), 200, schema);
    expect(page[key].length).toBeLessThanOrEqual(limit);
    all.push(page);
    cursor = page.next_cursor;
  } while (cursor && all.length < 100);
  return all;
}

/** Every page of a user's videos. */
export const videoPages = (base: string, userName: string, limit: number) =>
  pages(base, `/api/user/${userName}/videos`, 'videos', api.listVideos.responses[200], limit);

/** Every page of the comments of a video. */
export const commentPages = (base: string, videoId: string, limit: number) =>
  pages(base, `/api/videos/${videoId}/comments`, 'comments', api.listComments.responses[200], limit);
