import { contract } from '@vodkit/core';
import { describe, expect } from 'vitest';
import { describeMysql } from '../../../../test/support/mysql.js';
import { call } from '../../../../test/support/server.js';
import { memoryKind, mysqlKind, type StoreKind } from '../../../../test/support/stores.js';
import { expectJson } from './http.js';

/** Runs one suite once per store adapter: every backend answers the same HTTP. */
export function eachStore(title: string, suite: (kind: StoreKind) => void) {
  describe(`${title} (memory)`, () => suite(memoryKind));
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

/** Follows `next_cursor` to the end; returns every page, each checked against the contract. */
export async function videoPages(base: string, userName: string, limit: number) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = expectJson(
      await call(base, 'GET', `/api/user/${userName}/videos${query}`),
      200,
      api.listVideos.responses[200],
    );
    expect(page.videos.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor && pages.length < 100);
  return pages;
}

/** Like videoPages, for the comments of a video. */
export async function commentPages(base: string, videoId: string, limit: number) {
  const pages = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = expectJson(
      await call(base, 'GET', `/api/videos/${videoId}/comments${query}`),
      200,
      api.listComments.responses[200],
    );
    expect(page.comments.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor && pages.length < 100);
  return pages;
}
