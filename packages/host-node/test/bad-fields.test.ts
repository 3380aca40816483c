import { expect, it } from 'vitest';
import { call } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectOnlyAlicesVideo, jsonRoutes, type Row, useServerWithCtx } from './support/bad-input.js';
import { expectError } from './support/http.js';
import { eachStore } from './support/suite.js';

const json = (value: unknown) => JSON.stringify(value);
const long = (n: number) => 'x'.repeat(n);

/** Bodies that parse but do not fit the route's schema. */
const fields: Row[] = [
  [
    'user_name a number',
    (ctx) => jsonRoutes.register(ctx, json({ user_name: 123, pwd: 'password1' })),
    400,
    'VALIDATION',
  ],
  ['pwd a boolean', (ctx) => jsonRoutes.login(ctx, json({ user_name: 'alice', pwd: true })), 400, 'VALIDATION'],
  ['pwd null', (ctx) => jsonRoutes.deleteUser(ctx, json({ pwd: null })), 400, 'VALIDATION'],
  ['name a number', (ctx) => jsonRoutes.createVideo(ctx, json({ name: 5 })), 400, 'VALIDATION'],
  ['content an array', (ctx) => jsonRoutes.createComment(ctx, json({ content: ['x'] })), 400, 'VALIDATION'],
  ['name an object', (ctx) => jsonRoutes.createVideo(ctx, json({ name: { toString: 'x' } })), 400, 'VALIDATION'],
  ['register without pwd', (ctx) => jsonRoutes.register(ctx, json({ user_name: 'nopwd' })), 400, 'VALIDATION'],
  ['register without user_name', (ctx) => jsonRoutes.register(ctx, json({ pwd: 'password1' })), 400, 'VALIDATION'],
  ['login of {}', (ctx) => jsonRoutes.login(ctx, '{}'), 400, 'VALIDATION'],
  ['delete user of {}', (ctx) => jsonRoutes.deleteUser(ctx, '{}'), 400, 'VALIDATION'],
  ['video of {}', (ctx) => jsonRoutes.createVideo(ctx, '{}'), 400, 'VALIDATION'],
  ['comment of {}', (ctx) => jsonRoutes.createComment(ctx, '{}'), 400, 'VALIDATION'],
  [
    'register with admin: true',
    (ctx) => jsonRoutes.register(ctx, json({ user_name: 'sneak', pwd: 'password1', admin: true })),
    400,
    'VALIDATION',
  ],
  [
    'video with status: ready',
    (ctx) => jsonRoutes.createVideo(ctx, json({ name: 'x', status: 'ready' })),
    400,
    'VALIDATION',
  ],
  [
    'comment with author',
    (ctx) => jsonRoutes.createComment(ctx, json({ content: 'x', author: 'alice' })),
    400,
    'VALIDATION',
  ],
  [
    'delete user with force',
    (ctx) => jsonRoutes.deleteUser(ctx, json({ pwd: 'bob password', force: true })),
    400,
    'VALIDATION',
  ],
  [
    'a __proto__ key',
    (ctx) => jsonRoutes.register(ctx, '{"user_name":"proto","pwd":"password1","__proto__":{"admin":true}}'),
    400,
    'VALIDATION',
  ],
  [
    'user_name of 65',
    (ctx) => jsonRoutes.register(ctx, json({ user_name: long(65), pwd: 'password1' })),
    400,
    'VALIDATION',
  ],
  ['user_name of 2', (ctx) => jsonRoutes.register(ctx, json({ user_name: 'ab', pwd: 'password1' })), 400, 'VALIDATION'],
  ['pwd of 129', (ctx) => jsonRoutes.register(ctx, json({ user_name: 'longpwd', pwd: long(129) })), 400, 'VALIDATION'],
  ['pwd of 7', (ctx) => jsonRoutes.register(ctx, json({ user_name: 'shortpwd', pwd: long(7) })), 400, 'VALIDATION'],
  ['login pwd of 129', (ctx) => jsonRoutes.login(ctx, json({ user_name: 'alice', pwd: long(129) })), 400, 'VALIDATION'],
  ['delete pwd of 7', (ctx) => jsonRoutes.deleteUser(ctx, json({ pwd: long(7) })), 400, 'VALIDATION'],
  ['name of 201', (ctx) => jsonRoutes.createVideo(ctx, json({ name: long(201) })), 400, 'VALIDATION'],
  ['name of 101 emoji', (ctx) => jsonRoutes.createVideo(ctx, json({ name: '🎬'.repeat(101) })), 400, 'VALIDATION'],
  ['an empty name', (ctx) => jsonRoutes.createVideo(ctx, json({ name: '' })), 400, 'VALIDATION'],
  ['content of 2001', (ctx) => jsonRoutes.createComment(ctx, json({ content: long(2001) })), 400, 'VALIDATION'],
  ['empty content', (ctx) => jsonRoutes.createComment(ctx, json({ content: '' })), 400, 'VALIDATION'],
  ...['al ice', 'alice!', 'ålice', 'a/b', '../etc', 'a\u0000b', 'tab\there', 'ａｌｉｃｅ'].map(
    (name): Row => [
      `user_name ${JSON.stringify(name)}`,
      (ctx) => jsonRoutes.register(ctx, json({ user_name: name, pwd: 'password1' })),
      400,
      'VALIDATION',
    ],
  ),
  [
    'a lone high surrogate in pwd',
    (ctx) => jsonRoutes.register(ctx, '{"user_name":"surr","pwd":"abcdefgh\\ud800"}'),
    400,
    'VALIDATION',
  ],
  ['a lone low surrogate in name', (ctx) => jsonRoutes.createVideo(ctx, '{"name":"\\udc00 clip"}'), 400, 'VALIDATION'],
  [
    'a reversed pair in content',
    (ctx) => jsonRoutes.createComment(ctx, '{"content":"x\\ude00\\ud83d"}'),
    400,
    'VALIDATION',
  ],
  [
    'a lone surrogate in the delete pwd',
    (ctx) => jsonRoutes.deleteUser(ctx, '{"pwd":"bob passwor\\ud83d"}'),
    400,
    'VALIDATION',
  ],
];

const badFieldsSuite = (kind: StoreKind) => {
  const { server, ctx } = useServerWithCtx(kind);

  it.each(fields)('%s', async (_label, request, status, code) => {
    const answer = await request(ctx);
    expectError(answer, status, code);
    // The details say where in the body the problem is.
    expect(answer.body.error.details?.[0]?.path).toMatch(/^body(\.|$)/);
  });

  it('none of them had an effect', async () => {
    const login = await call(ctx.url, 'POST', '/api/login', { body: { user_name: 'bob', pwd: 'bob password' } });
    expect(login.status).toBe(200);
    await expectOnlyAlicesVideo(ctx);
    for (const name of ['nopwd', 'sneak', 'proto', 'surr', 'longpwd', 'shortpwd', 'ab']) {
      expect(await server.store.users.findByName(name)).toBeUndefined();
    }
  });
};

eachStore('bad request fields', badFieldsSuite);
