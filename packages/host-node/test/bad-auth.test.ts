import { contract } from '@vodkit/core';
import { expect, it } from 'vitest';
import { call, register } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { type Ctx, expectOnlyAlicesVideo, type Row, useServerWithCtx } from './support/bad-input.js';
import { type Answer, expectError, expectJson, send } from './support/http.js';
import { eachStore, manualClock } from './support/suite.js';

const HOUR = 60 * 60 * 1000;
const clock = manualClock();

const as = (ctx: Ctx, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  send(ctx.url, {
    method,
    path,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A user of its own, so rows that log out or expire do not spoil the shared sessions. */
let counter = 0;
const throwaway = (ctx: Ctx) => register(ctx.url, `throwaway${++counter}`);

type HeaderMap = Record<string, string>;

/** What only alice may do, each done with the headers a row gives. */
const aliceOnly: [string, (c: Ctx, headers: HeaderMap) => Promise<Answer>][] = [
  ['create a video', (c, h) => as(c, 'POST', '/api/user/alice/videos', h, { name: 'forged' })],
  ['read the account', (c, h) => as(c, 'GET', '/api/user/alice', h)],
  ['delete her video', (c, h) => as(c, 'DELETE', `/api/videos/${c.vid}`, h)],
  ['delete the account, with her password', (c, h) => as(c, 'DELETE', '/api/user/alice', h, { pwd: c.alice.pwd })],
];

/** A client-sent X-User-Name is ignored: it neither stands in for a session nor overrides one. */
const impostors: Row[] = aliceOnly.flatMap(([what, act]): Row[] => [
  [`X-User-Name alice, no session: ${what}`, (c) => act(c, { 'x-user-name': 'alice' }), 401, 'UNAUTHENTICATED'],
  [
    `X-User-Name alice, bob's session: ${what}`,
    (c) => act(c, { 'x-user-name': 'alice', 'x-session-id': c.bob.session }),
    403,
    'FORBIDDEN',
  ],
  [`bob's Bearer session: ${what}`, (c) => act(c, { authorization: `Bearer ${c.bob.session}` }), 403, 'FORBIDDEN'],
]);

/** Headers that do not make a session, sent to a route that needs one. */
const notSessions: [string, (c: Ctx) => HeaderMap][] = [
  ['X-User-Name alone', () => ({ 'x-user-name': 'alice' })],
  ['Authorization: Basic', () => ({ authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' })],
  ['Authorization: Bearer and nothing', () => ({ authorization: 'Bearer' })],
  ['Authorization: Bearer with two tokens', (c) => ({ authorization: `Bearer ${c.alice.session} x` })],
  ['Authorization: Token', (c) => ({ authorization: `Token ${c.alice.session}` })],
  ['a Bearer token one character too long', (c) => ({ authorization: `Bearer ${c.alice.session}A` })],
  [
    'a malformed Authorization beside a good X-Session-Id',
    (c) => ({ 'x-session-id': c.alice.session, authorization: 'Basic eDp5' }),
  ],
  [
    'X-Session-Id and Bearer naming different sessions',
    (c) => ({ 'x-session-id': c.alice.session, authorization: `Bearer ${c.bob.session}` }),
  ],
  ['an X-Session-Id of SQL', () => ({ 'x-session-id': "' OR '1'='1" })],
  ['an unknown well-formed token', () => ({ 'x-session-id': 'A'.repeat(43) })],
  ['a token of 10 KiB', () => ({ 'x-session-id': 'A'.repeat(10_240) })],
];

const rows: Row[] = [
  ...impostors,
  ...notSessions.flatMap(([label, headers]): Row[] => [
    [`${label}: read the account`, (c) => as(c, 'GET', '/api/user/alice', headers(c)), 401, 'UNAUTHENTICATED'],
    [
      `${label}: comment`,
      (c) => as(c, 'POST', `/api/videos/${c.vid}/comments`, headers(c), { content: 'x' }),
      401,
      'UNAUTHENTICATED',
    ],
    [`${label}: log out`, (c) => as(c, 'POST', '/api/logout', headers(c)), 401, 'UNAUTHENTICATED'],
  ]),
  [
    'an expired session',
    async (c) => {
      const user = await throwaway(c);
      const start = clock.now();
      clock.advance(HOUR + 1);
      try {
        return await as(c, 'GET', `/api/user/${user.userName}`, { 'x-session-id': user.session });
      } finally {
        clock.set(start);
      }
    },
    401,
    'UNAUTHENTICATED',
  ],
  [
    'a session revoked by logout',
    async (c) => {
      const user = await throwaway(c);
      expect((await as(c, 'POST', '/api/logout', { 'x-session-id': user.session })).status).toBe(204);
      return as(c, 'GET', `/api/user/${user.userName}`, { 'x-session-id': user.session });
    },
    401,
    'UNAUTHENTICATED',
  ],
  [
    'a duplicate user',
    (c) => as(c, 'POST', '/api/register', {}, { user_name: 'alice', pwd: 'another password' }),
    409,
    'USER_EXISTS',
  ],
];

const badAuthSuite = (kind: StoreKind) => {
  const { ctx } = useServerWithCtx(kind, { clock: clock.now, sessionTtlMs: HOUR });

  it.each(rows)('%s', async (_label, request, status, code) => {
    expectError(await request(ctx), status, code);
  });

  it('none of them had an effect on alice', async () => {
    const me = await call(ctx.url, 'GET', '/api/user/alice', { session: ctx.alice.session });
    expect(expectJson(me, 200, contract.api.getUser.responses[200]).user_name).toBe('alice');
    await expectOnlyAlicesVideo(ctx);
    const login = await call(ctx.url, 'POST', '/api/login', { body: { user_name: 'alice', pwd: ctx.alice.pwd } });
    expect(login.status).toBe(200);
  });

  it('30 concurrent registrations of one name: exactly one 201, the rest 409 USER_EXISTS', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(ctx.url, 'POST', '/api/register', { body: { user_name: 'racer', pwd: `password ${i}` } }),
      ),
    );
    const winners = answers.filter((answer) => answer.status === 201);
    expect(winners).toHaveLength(1);
    for (const answer of answers) if (answer.status !== 201) expectError(answer, 409, 'USER_EXISTS');
    // The winner's password is the one stored, and its session is the one that works.
    const winner = answers.indexOf(winners[0] as (typeof answers)[number]);
    const login = await call(ctx.url, 'POST', '/api/login', {
      body: { user_name: 'racer', pwd: `password ${winner}` },
    });
    expect(login.status).toBe(200);
    const me = await call(ctx.url, 'GET', '/api/user/racer', { session: winners[0]?.body.session_id });
    expect(me.status).toBe(200);
  });
};

eachStore('bad credentials and sessions', badAuthSuite);
