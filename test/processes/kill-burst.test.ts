import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVideoOf, registerUser, send, uploadBytes } from '../support/fault-http.js';
import { mp4Bytes } from '../support/files.js';
import { expectStatus, nodeCli, postComment, readAll, storeOf, useSqliteCli } from './support.js';

const COMMENTS = 240;
const CREATES = 120;
const UPLOADS = 40;
const UPLOAD_BYTES = 512 * 1024;
/** Answers awaited before the kill: the rest of the burst is still in the server's hands. */
const KILL_AFTER = 40;

type Outcome = { ok: true; body: { id: string } } | { ok: false };
const okCount = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.ok).length;

/**
 * `kill -9` in the middle of a burst of writes, then a start on the same data dir: every write
 * that was answered 2xx is there, and none is there half done.
 */
describe('vodkit (Node) killed with SIGKILL in the middle of a burst of writes', () => {
  const { newDataDir, start } = useSqliteCli();

  it('keeps every acknowledged write and no half-done one', async () => {
    const dataDir = newDataDir();
    const first = await start(nodeCli, dataDir, ['--comments-per-user', 'off']);
    expect(storeOf(first)).toBe('sqlite');
    const base = first.url;
    const alice = await registerUser(base, 'alice');
    const target = await createVideoOf(base, alice, 'commented');
    const forUpload = await Promise.all(
      Array.from({ length: UPLOADS }, (_, i) => createVideoOf(base, alice, `upload ${i}`)),
    );
    const files = new Map(forUpload.map((id) => [id, mp4Bytes(UPLOAD_BYTES)]));

    let answered = 0;
    let killed = false;
    const kill = () => {
      if (!killed) first.run.child.kill('SIGKILL');
      killed = true;
    };
    const track = async (work: () => ReturnType<typeof send>, expected: number): Promise<Outcome> => {
      try {
        const answer = await work();
        if (++answered >= KILL_AFTER) kill();
        return answer.status === expected ? { ok: true, body: answer.body } : { ok: false };
      } catch {
        return { ok: false }; // cut by the kill: it may or may not have been written
      }
    };
    const comments = Array.from({ length: COMMENTS }, (_, i) => `burst comment ${i}`);
    const names = Array.from({ length: CREATES }, (_, i) => `burst video ${i}`);
    const commented: Promise<Outcome>[] = [];
    const created: Promise<Outcome>[] = [];
    const uploaded: Promise<Outcome>[] = [];
    // Interleaved, so that the kill lands among writes of every kind: 6 comments, 3 creates, 1 upload.
    for (let i = 0; i < COMMENTS + CREATES + UPLOADS; i++) {
      const slot = i % 10;
      if (slot === 0) {
        const id = forUpload[uploaded.length] as string;
        uploaded.push(track(() => uploadBytes(base, id, alice.session, files.get(id) as Buffer), 200));
      } else if (slot % 3 === 1) {
        const name = names[created.length];
        created.push(
          track(
            () => send(base, '/api/user/alice/videos', { method: 'POST', session: alice.session, json: { name } }),
            201,
          ),
        );
      } else {
        const content = comments[commented.length];
        commented.push(track(() => postComment(base, target, alice.session, content as string), 201));
      }
    }
    const [commentsDone, createsDone, uploadsDone] = await Promise.all([
      Promise.all(commented),
      Promise.all(created),
      Promise.all(uploaded),
    ]);
    expect((await first.run.exit).signal).toBe('SIGKILL');
    const acknowledged = [...commentsDone, ...createsDone, ...uploadsDone].filter((outcome) => outcome.ok).length;
    // The kill came in the middle: some writes were answered, some were not.
    expect(acknowledged).toBeGreaterThanOrEqual(KILL_AFTER / 2);
    expect(acknowledged).toBeLessThan(COMMENTS + CREATES + UPLOADS);

    const second = await start(nodeCli, dataDir, ['--comments-per-user', 'off']);
    const again = second.url;

    // Comments: every acknowledged one, whole; none twice; none that was not sent.
    const listed = await readAll(again, `/api/videos/${target}/comments`, 'comments');
    const byId = new Map(listed.map((comment) => [comment.id, comment]));
    expect(byId.size).toBe(listed.length);
    for (const comment of listed) {
      expect(comments).toContain(comment.content);
      expect(comment).toMatchObject({ video_id: target, author: 'alice' });
    }
    expect(new Set(listed.map((comment) => comment.content)).size).toBe(listed.length);
    commentsDone.forEach((outcome, i) => {
      if (outcome.ok) expect(byId.get(outcome.body.id)?.content).toBe(comments[i]);
    });

    // Videos: every acknowledged create; every acknowledged upload ready with its bytes; every
    // ready video streams its whole file; every pending one takes an upload.
    const videos = await readAll(again, '/api/user/alice/videos', 'videos');
    const videoById = new Map(videos.map((video) => [video.id, video]));
    expect(videoById.size).toBe(videos.length);
    createsDone.forEach((outcome, i) => {
      if (outcome.ok) expect(videoById.get(outcome.body.id)?.name).toBe(names[i]);
    });
    uploadsDone.forEach((outcome, i) => {
      if (outcome.ok) expect(videoById.get(forUpload[i] as string)?.status).toBe('ready');
    });
    expect(videoById.get(target)?.status).toBe('pending');
    let orphans = 0;
    for (const video of videos) {
      expect(['commented', ...names, ...forUpload.map((_, i) => `upload ${i}`)]).toContain(video.name);
      if (video.status === 'ready') {
        const bytes = files.get(video.id) as Buffer;
        expect(video.size).toBe(bytes.length);
        const streamed = expectStatus(await send(again, `/stream/videos/${video.id}`), 200);
        expect(streamed.bytes.equals(bytes)).toBe(true);
      } else {
        expect(video.status).toBe('pending');
        expectStatus(await send(again, `/stream/videos/${video.id}`), 404);
        const bytes = files.get(video.id);
        if (!bytes) continue;
        let upload = await uploadBytes(again, video.id, alice.session, bytes);
        if (upload.status === 409) {
          // Killed between linking its file and recording it: the file is there, the video pending.
          // The upload handler leaves such a file to a possibly live upload for 30 s after its last
          // write, then removes it; age it past that instead of waiting.
          orphans++;
          const orphan = join(dataDir, 'videos', video.id);
          expect(existsSync(orphan)).toBe(true);
          expect(Number(upload.headers.get('retry-after'))).toBeLessThanOrEqual(30);
          const past = new Date(Date.now() - 60_000);
          await utimes(orphan, past, past);
          upload = await uploadBytes(again, video.id, alice.session, bytes);
        }
        expectStatus(upload, 200);
      }
    }
    expect(existsSync(join(dataDir, 'vodkit.db'))).toBe(true);

    // And it goes on writing.
    expectStatus(await postComment(again, target, alice.session, 'after'), 201);
    console.info(
      `[kill-burst] acknowledged ${acknowledged} of ${COMMENTS + CREATES + UPLOADS} writes (${okCount(commentsDone)} comments, ${okCount(createsDone)} creates, ${okCount(uploadsDone)} uploads); after the restart ${listed.length} comments, ${videos.length} videos, ${orphans} uploads cut between file and record`,
    );
    await second.stop();
  });
});
