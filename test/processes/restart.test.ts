import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { createVideoOf, registerUser, send, uploadBytes } from '../support/fault-http.js';
import { eventually } from '../support/files.js';
import { bunCli, expectStatus, nodeCli, postComment, readAll, readClip, storeOf, useSqliteCli } from './support.js';

/**
 * The default store is a file: what a stopped vodkit wrote is there when it starts again on the
 * same data dir, sessions included.
 */
describe.each([
  ['vodkit (Node)', nodeCli],
  ['vodkit-bun', bunCli],
] as [string, CliCommand][])('%s restarted on its SQLite default', (_name, command) => {
  const { newDataDir, start } = useSqliteCli();

  it('keeps users, sessions, videos, files and comments across a SIGTERM and a start', async () => {
    const dataDir = newDataDir();
    const clip = await readClip();
    const first = await start(command, dataDir);
    expect(storeOf(first)).toBe('sqlite');
    const base = first.url;

    const alice = await registerUser(base, 'alice');
    const bob = await registerUser(base, 'bob');
    const uploaded = await createVideoOf(base, alice, 'uploaded');
    const pending = await createVideoOf(base, alice, 'still pending');
    const deleted = await createVideoOf(base, alice, 'deleted');
    expectStatus(await uploadBytes(base, uploaded, alice.session, clip), 200);
    expectStatus(await uploadBytes(base, deleted, alice.session, clip), 200);
    const contents = ['first!', 'nice clip — 東京 🎬', 'a third one'];
    for (const [i, content] of contents.entries()) {
      const who = i % 2 ? bob : alice;
      expectStatus(await postComment(base, uploaded, who.session, content), 201);
    }
    expectStatus(await send(base, `/api/videos/${deleted}`, { method: 'DELETE', session: alice.session }), 204);
    const videosBefore = await readAll(base, '/api/user/alice/videos', 'videos');
    const commentsBefore = await readAll(base, `/api/videos/${uploaded}/comments`, 'comments');
    await first.stop();
    expect(existsSync(join(dataDir, 'vodkit.db'))).toBe(true);

    const second = await start(command, dataDir);
    const again = second.url;
    expect(await readAll(again, '/api/user/alice/videos', 'videos')).toEqual(videosBefore);
    expect(videosBefore.map((video) => [video.name, video.status])).toEqual([
      ['still pending', 'pending'],
      ['uploaded', 'ready'],
    ]);
    expect(await readAll(again, `/api/videos/${uploaded}/comments`, 'comments')).toEqual(commentsBefore);
    expect(commentsBefore.map((comment) => comment.content)).toEqual([...contents].reverse());
    expectStatus(await send(again, `/api/videos/${deleted}`), 404);

    // The file and its metadata, whole.
    const streamed = expectStatus(await send(again, `/stream/videos/${uploaded}`), 200);
    expect(streamed.headers.get('content-type')).toBe('video/mp4');
    expect(streamed.bytes.equals(clip)).toBe(true);

    // The sessions made before the stop still authenticate, and the names stay taken.
    expectStatus(await send(again, '/api/user/alice', { session: alice.session }), 200);
    expectStatus(await postComment(again, uploaded, bob.session, 'after'), 201);
    expectStatus(await uploadBytes(again, pending, alice.session, clip), 200);
    expectStatus(
      await send(again, '/api/register', { method: 'POST', json: { user_name: 'ALICE', pwd: 'password123' } }),
      409,
    );
    expectStatus(
      await send(again, '/api/login', { method: 'POST', json: { user_name: 'alice', pwd: alice.pwd } }),
      200,
    );
    // A session ended before the restart stays ended.
    expectStatus(await send(again, '/api/logout', { method: 'POST', session: bob.session }), 204);
    await second.stop();
    const third = await start(command, dataDir);
    expectStatus(await send(third.url, '/api/user/bob', { session: bob.session }), 401);
    expectStatus(await send(third.url, '/api/user/alice', { session: alice.session }), 200);
    // The deletion queued before the first stop has been carried out, by one run or the next.
    await eventually("the deleted video's file removed", () => !existsSync(join(dataDir, 'videos', deleted)), 10_000);
    await third.stop();
  });
});
