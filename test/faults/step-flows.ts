import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '@vodkit/core';
import { expect } from 'vitest';
import {
  type Answer,
  createVideoOf,
  expectErrorShape,
  registerUser,
  send,
  uploadBytes,
} from '../support/fault-http.js';
import { eventually, mp4Bytes } from '../support/files.js';

type User = Awaited<ReturnType<typeof registerUser>>;

/** What a flow's checks need of the server under test. */
export interface Served {
  url: string;
  dataDir: string;
  /** The real store, around the injector: what the tests read to judge the state. */
  store: Store;
  /** A new user name, unique in the suite. */
  name(): string;
}

/**
 * One operation under faults: a fresh setup each time (nothing armed), the request (armed),
 * and the check that store and storage agree afterwards, whatever the answer was.
 */
export interface Flow<S> {
  name: string;
  success: number;
  /** Calls the trace must contain, so a flow that stopped reaching its work is noticed. */
  touches: string[];
  setup(served: Served): Promise<S>;
  act(served: Served, state: S): Promise<Answer>;
  check(served: Served, state: S, answer: Answer): Promise<void>;
}

const queued = async (store: Store, vid: string) =>
  (await store.deletions.list(100_000)).some((record) => record.videoId === vid);

const stored = async (served: Served, vid: string) => (await readdir(join(served.dataDir, 'videos'))).includes(vid);

const noTempFiles = (served: Served) =>
  eventually('no temporary file left', async () => (await readdir(join(served.dataDir, 'tmp'))).length === 0, 3000);

/** The stream serves exactly `bytes`. */
const streams = async (served: Served, vid: string, bytes: Buffer) => {
  const answer = await send(served.url, `/stream/videos/${vid}`);
  return answer.status === 200 && answer.bytes.equals(bytes);
};

const uploadFlow: Flow<{ owner: User; vid: string; bytes: Buffer }> = {
  name: 'an upload',
  success: 200,
  touches: ['storage.put', 'videos.markReady'],
  async setup(served) {
    const owner = await registerUser(served.url, served.name());
    return { owner, vid: await createVideoOf(served.url, owner), bytes: mp4Bytes(40_000) };
  },
  act: (served, { owner, vid, bytes }) => uploadBytes(served.url, vid, owner.session, bytes),
  async check(served, { owner, vid, bytes }, answer) {
    const video = await send(served.url, `/api/videos/${vid}`);
    expect(video.status, 'the video is still there').toBe(200);
    await noTempFiles(served);
    if (answer.status === 200) expect(video.body.status, 'a 200 upload is ready').toBe('ready');
    if (video.body.status === 'ready') {
      expect(await stored(served, vid), 'a ready video has its file').toBe(true);
      expect(await streams(served, vid, bytes), 'a ready video streams its bytes').toBe(true);
      return;
    }
    expect(video.body.status).toBe('pending');
    expect(await stored(served, vid), 'a pending video has no file').toBe(false);
    expectErrorShape(await send(served.url, `/stream/videos/${vid}`), 404, 'VIDEO_NOT_FOUND');
    const again = mp4Bytes(30_000);
    const retried = await uploadBytes(served.url, vid, owner.session, again);
    expect(retried.status, `uploading again: ${retried.bytes}`).toBe(200);
    expect(await streams(served, vid, again), 'the new upload streams').toBe(true);
  },
};

interface Published {
  owner: User;
  vid: string;
  bytes: Buffer;
  commentId: string;
}

/** A user with a ready video that someone else commented on. */
async function publish(served: Served): Promise<Published> {
  const owner = await registerUser(served.url, served.name());
  const vid = await createVideoOf(served.url, owner);
  const bytes = mp4Bytes(20_000);
  expect((await uploadBytes(served.url, vid, owner.session, bytes)).status).toBe(200);
  const fan = await registerUser(served.url, served.name());
  const comment = await send(served.url, `/api/videos/${vid}/comments`, {
    method: 'POST',
    session: fan.session,
    json: { content: 'nice' },
  });
  expect(comment.status).toBe(201);
  return { owner, vid, bytes, commentId: comment.body.id };
}

const videoDeleteFlow: Flow<Published> = {
  name: 'a video delete',
  success: 204,
  touches: ['videos.markDeleted'],
  setup: publish,
  act: (served, { owner, vid }) => send(served.url, `/api/videos/${vid}`, { method: 'DELETE', session: owner.session }),
  async check(served, { owner, vid, bytes, commentId }, answer) {
    const observe = async () => {
      const video = await send(served.url, `/api/videos/${vid}`);
      const list = await send(served.url, `/api/user/${owner.userName}/videos`);
      const comments = await send(served.url, `/api/videos/${vid}/comments`);
      return {
        video: video.status === 200 ? video.body.status : video.status,
        listed: list.body.videos.some((one: { id: string }) => one.id === vid),
        comment: comments.status === 200 && comments.body.comments.some((one: { id: string }) => one.id === commentId),
        streams: await streams(served, vid, bytes),
        queued: await queued(served.store, vid),
      };
    };
    const gone = { video: 404, listed: false, comment: false, streams: false, queued: true };
    const there = { video: 'ready', listed: true, comment: true, streams: true, queued: false };
    const facts = await observe();
    if (answer.status === 204) expect(facts, 'after a 204').toEqual(gone);
    else expect([gone, there], 'gone and queued, or still fully there').toContainEqual(facts);
    if (facts.queued) return;
    const retried = await send(served.url, `/api/videos/${vid}`, { method: 'DELETE', session: owner.session });
    expect(retried.status, 'deleting again').toBe(204);
    expect(await observe(), 'after deleting again').toEqual(gone);
  },
};

interface Account {
  user: User;
  /** A second session of the user's. */
  other: string;
  ready: string;
  pending: string;
  /** The user's comment on someone else's video. */
  neighbourVid: string;
  commentId: string;
}

const userDeleteFlow: Flow<Account> = {
  name: 'a user deletion',
  success: 204,
  touches: ['users.delete'],
  async setup(served) {
    const { owner: user, vid: ready } = await publish(served);
    const pending = await createVideoOf(served.url, user, 'pending');
    const login = await send(served.url, '/api/login', {
      method: 'POST',
      json: { user_name: user.userName, pwd: user.pwd },
    });
    expect(login.status).toBe(200);
    const neighbour = await registerUser(served.url, served.name());
    const neighbourVid = await createVideoOf(served.url, neighbour);
    const comment = await send(served.url, `/api/videos/${neighbourVid}/comments`, {
      method: 'POST',
      session: user.session,
      json: { content: 'from the deleted user' },
    });
    expect(comment.status).toBe(201);
    return { user, other: login.body.session_id, ready, pending, neighbourVid, commentId: comment.body.id };
  },
  act: (served, { user }) =>
    send(served.url, `/api/user/${user.userName}`, {
      method: 'DELETE',
      session: user.session,
      json: { pwd: user.pwd },
    }),
  async check(served, account, answer) {
    const { user, other, ready, pending, neighbourVid, commentId } = account;
    const observe = async () => {
      const comments = await send(served.url, `/api/videos/${neighbourVid}/comments`);
      return {
        sessions: [
          (await send(served.url, `/api/user/${user.userName}`, { session: user.session })).status,
          (await send(served.url, `/api/user/${user.userName}`, { session: other })).status,
        ],
        list: (await send(served.url, `/api/user/${user.userName}/videos`)).status,
        videos: [
          (await send(served.url, `/api/videos/${ready}`)).status,
          (await send(served.url, `/api/videos/${pending}`)).status,
        ],
        comment: comments.body.comments.some((one: { id: string }) => one.id === commentId),
        queued: [await queued(served.store, ready), await queued(served.store, pending)],
      };
    };
    const gone = { sessions: [401, 401], list: 404, videos: [404, 404], comment: false, queued: [true, true] };
    const there = { sessions: [200, 200], list: 200, videos: [200, 200], comment: true, queued: [false, false] };
    const facts = await observe();
    if (answer.status === 204) expect(facts, 'after a 204').toEqual(gone);
    else expect([gone, there], 'gone with everything, or still fully there').toContainEqual(facts);
    if (facts.list === 404) return;
    const retried = await send(served.url, `/api/user/${user.userName}`, {
      method: 'DELETE',
      session: user.session,
      json: { pwd: user.pwd },
    });
    expect(retried.status, 'deleting again').toBe(204);
    expect(await observe(), 'after deleting again').toEqual(gone);
  },
};

/** An upload, a video delete and a user deletion: the writes whose every step the suite fails. */
export const flows = [uploadFlow, videoDeleteFlow, userDeleteFlow] as Flow<unknown>[];
