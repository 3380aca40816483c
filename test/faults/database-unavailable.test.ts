import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Answer,
  createVideoOf,
  expectErrorShape,
  expectUnavailable,
  registerUser,
  type SendOptions,
  send,
  uploadBytes,
} from '../support/fault-http.js';
import { mp4Bytes } from '../support/files.js';
import { describeMysql } from '../support/mysql.js';
import { type ProxiedVodkit, startProxiedVodkit } from '../support/proxied-vodkit.js';

/** Short, so a frozen database costs the suite a second per round, not five. */
const TIMEOUT_MS = 1000;
/** Room for two busy cores running the other files; the bound is still far below a hang. */
const MARGIN_MS = 2000;
const BOUND_MS = TIMEOUT_MS + MARGIN_MS;
/** /healthz pings with its own 2 s budget (docs/deployment.md) unless the database timeout is shorter. */
const HEALTH_BOUND_MS = Math.max(TIMEOUT_MS, 2000) + MARGIN_MS;
const ROUNDS = 3;
const UNKNOWN_VID = '6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b';

type Fault = 'cut' | 'freeze';

describeMysql('requests while the database is cut or frozen', (serverUrl) => {
  let server: ProxiedVodkit;
  let alice: { userName: string; pwd: string; session: string };
  let ready: string;
  /** Pending videos for the uploads tried while the database is away, one per attempt. */
  const pending: string[] = [];
  let made = 0;

  beforeAll(async () => {
    server = await startProxiedVodkit(serverUrl, { databaseTimeoutMs: TIMEOUT_MS });
    alice = await registerUser(server.url, 'alice');
    ready = await createVideoOf(server.url, alice, 'ready');
    expect((await uploadBytes(server.url, ready, alice.session, mp4Bytes(10_000))).status).toBe(200);
    for (let i = 0; i < 4; i++) pending.push(await createVideoOf(server.url, alice, `pending ${i}`));
  });
  afterAll(() => server?.close());

  /** A request given up as hanging once it is this late: far past the bound, well before the test's timeout. */
  const HANG_MS = BOUND_MS + 5000;
  const request = (path: string, options: SendOptions = {}) => send(server.url, path, { hangMs: HANG_MS, ...options });

  /** The answer, or undefined after a soft failure naming the request that hung: the round goes on to restore. */
  const attempt = async (name: string, run: () => Promise<Answer>) => {
    try {
      return await run();
    } catch (error) {
      expect.soft((error as Error).message, name).toBe('an answer');
      return undefined;
    }
  };

  /** One request of every kind that needs the store; each would succeed with the database up. */
  const storeRequests = (): [string, () => Promise<Answer>][] => {
    const session = alice.session;
    const n = ++made;
    const json = (method: string, body: unknown) => ({ method, session, json: body });
    return [
      [
        'register',
        () => request('/api/register', { method: 'POST', json: { user_name: `newcomer${n}`, pwd: 'a long password' } }),
      ],
      ['login', () => request('/api/login', { method: 'POST', json: { user_name: 'alice', pwd: alice.pwd } })],
      ['get user', () => request('/api/user/alice', { session })],
      ['create video', () => request('/api/user/alice/videos', json('POST', { name: 'n' }))],
      ['list videos', () => request('/api/user/alice/videos')],
      ['get video', () => request(`/api/videos/${ready}`)],
      ['list comments', () => request(`/api/videos/${ready}/comments`)],
      ['post comment', () => request(`/api/videos/${ready}/comments`, json('POST', { content: 'hi' }))],
      ['stream', () => request(`/stream/videos/${ready}`)],
      [
        'upload',
        () =>
          request(`/upload/videos/${pending[n - 1] ?? ''}`, {
            method: 'POST',
            session,
            headers: { 'content-type': 'video/mp4' },
            body: mp4Bytes(5000),
          }),
      ],
    ];
  };

  const apply = (fault: Fault) => (fault === 'cut' ? server.proxy.cut() : server.proxy.freeze());

  /** Milliseconds from restore() until a read that needs the store succeeds again, and /healthz agrees. */
  const recovery = async () => {
    const restoredAt = performance.now();
    server.proxy.restore();
    for (;;) {
      const video = await request(`/api/videos/${ready}`);
      if (video.status === 200) break;
      expectUnavailable(video);
      if (performance.now() - restoredAt > 15_000) throw new Error('no recovery within 15 s of restore()');
      await sleep(20);
    }
    const recovered = performance.now() - restoredAt;
    expect((await request('/healthz')).status).toBe(200);
    return recovered;
  };

  /** Everything that needs the store at once, and what does not. */
  const whileAway = async () => {
    // More reads than the pool has connections: the wait for a pooled connection is bounded too.
    const requests = [
      ...storeRequests(),
      ...Array.from({ length: 15 }, (_, i): [string, () => Promise<Answer>] => [
        `read ${i}`,
        () => request(`/api/videos/${ready}`),
      ]),
    ];
    const answers = await Promise.all(requests.map(async ([name, run]) => [name, await attempt(name, run)] as const));
    for (const [name, answer] of answers) {
      if (!answer) continue;
      expect.soft(answer.status, `${name}: ${answer.bytes}`).toBe(503);
      if (answer.status === 503) expectUnavailable(answer);
      expect.soft(answer.ms, `${name} answered after ${Math.round(answer.ms)} ms`).toBeLessThanOrEqual(BOUND_MS);
    }

    const health = await attempt('healthz', () => request('/healthz'));
    expect.soft(health?.status).toBe(503);
    expect.soft(health?.body).toMatchObject({ status: 'unavailable' });
    expect.soft(health?.ms).toBeLessThanOrEqual(HEALTH_BOUND_MS);

    // What needs no store still answers, and at once.
    const badVid = await request('/api/videos/not-a-uuid');
    expectErrorShape(badVid, 400, 'VALIDATION');
    expect(badVid.ms).toBeLessThan(MARGIN_MS);
    expectErrorShape(await request('/api/nothing-here'), 404, 'NOT_FOUND');
    expectErrorShape(await request(`/api/videos/${UNKNOWN_VID}/nope`), 404, 'NOT_FOUND');
  };

  it.each(['cut', 'freeze'] as Fault[])(
    '%s: 503 UNAVAILABLE with Retry-After on every route that needs the store, in bounded time; back by itself after restore',
    async (fault) => {
      const figures: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        apply(fault);
        // Round 1 starts with a lookup by user name, which nothing before has made (register and
        // sessions do not): its statement is prepared on the frozen connection, and preparing must
        // be bounded as much as running (mysql2's own `timeout` covers only the execution).
        const path = round === 1 ? '/api/user/alice/videos' : `/api/videos/${ready}`;
        const first = await attempt(`the first request of round ${round}`, () => request(path));
        if (first) {
          expectUnavailable(first);
          expect.soft(first.ms, 'time to the first 503').toBeLessThanOrEqual(BOUND_MS);
        }
        if (round === 1) await whileAway();

        const recovered = await recovery();
        const took = first ? `${Math.round(first.ms)} ms` : `no answer in ${HANG_MS} ms`;
        figures.push(`round ${round}: first 503 after ${took}, recovered ${Math.round(recovered)} ms after restore`);

        if (round === 1) {
          // Every route works again on the same process: nothing needed a restart.
          for (const [name, run] of storeRequests()) {
            const answer = await run();
            expect.soft(answer.status, `${name} after restore: ${answer.bytes}`).toBeLessThan(300);
          }
        }
      }
      console.log(
        `[vodkit faults] database ${fault === 'cut' ? 'cut' : 'frozen'} (timeout ${TIMEOUT_MS} ms):\n  ${figures.join('\n  ')}`,
      );
    },
    // Three rounds in which every request might hang to its HANG_MS before the restore.
    90_000,
  );
});
