import { contract, type ErrorCode } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import {
  type Ctx,
  expectOnlyAlicesVideo,
  type JsonRoute,
  jsonRoutes,
  useServerWithCtx,
  validBody,
} from './support/bad-input.js';
import { type Answer, expectError, expectJson } from './support/http.js';
import { eachStore } from './support/suite.js';

const MiB = 1024 * 1024;

/** The route's valid body padded with spaces to just past 1 MiB: only the size is wrong. */
const huge = (route: JsonRoute) => {
  const body = validBody[route];
  return `${body.slice(0, -1)}${' '.repeat(MiB + 1 - body.length)}}`;
};

/** The route's valid body with a 0xff byte (never in UTF-8) inside its first string. */
const notUtf8 = (route: JsonRoute) => {
  const body = Buffer.from(validBody[route]);
  body[body.indexOf('":"') + 3] = 0xff;
  return body;
};

const mediaType = (contentType: string | null) => (route: JsonRoute) => (ctx: Ctx) =>
  jsonRoutes[route](ctx, validBody[route], { contentType });

const sending =
  (body: (route: JsonRoute) => string | Uint8Array, chunked = false) =>
  (route: JsonRoute) =>
  (ctx: Ctx) =>
    jsonRoutes[route](ctx, body(route), chunked ? { chunked } : {});

type FramingRow = [
  label: string,
  make: (route: JsonRoute) => (ctx: Ctx) => Promise<Answer>,
  status: number,
  code: ErrorCode,
];

/** Bodies that are wrong the same way whichever JSON route they are sent to. */
const framing: FramingRow[] = [
  ['malformed JSON', sending(() => '{"user_name": "x",'), 400, 'MALFORMED_JSON'],
  ['JSON with trailing garbage', sending((route) => `${validBody[route]} x`), 400, 'MALFORMED_JSON'],
  ['single-quoted JSON', sending(() => "{'name': 'x'}"), 400, 'MALFORMED_JSON'],
  ['bytes that are not UTF-8', sending(notUtf8), 400, 'MALFORMED_JSON'],
  ['an empty body', sending(() => ''), 400, 'VALIDATION'],
  ['an empty chunked body', sending(() => '', true), 400, 'VALIDATION'],
  ['no content type', mediaType(null), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['text/plain', mediaType('text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['a form content type', mediaType('application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['application/json-seq', mediaType('application/json-seq'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['charset=iso-8859-1', mediaType('application/json; charset=iso-8859-1'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['charset=utf-16', mediaType('application/json; charset=utf-16'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ['an array', sending((route) => `[${validBody[route]}]`), 400, 'VALIDATION'],
  ['null', sending(() => 'null'), 400, 'VALIDATION'],
  ['a number', sending(() => '42'), 400, 'VALIDATION'],
  ['a string', sending(() => '"password1"'), 400, 'VALIDATION'],
  ['true', sending(() => 'true'), 400, 'VALIDATION'],
  ['50 000 nested arrays', sending(() => `${'['.repeat(50_000)}${']'.repeat(50_000)}`), 400, 'VALIDATION'],
  ['over 1 MiB with Content-Length', sending(huge), 413, 'PAYLOAD_TOO_LARGE'],
  ['over 1 MiB chunked', sending(huge, true), 413, 'PAYLOAD_TOO_LARGE'],
];

const badFramingSuite = (kind: StoreKind) => {
  const { server, ctx } = useServerWithCtx(kind);

  describe.each(Object.keys(jsonRoutes) as JsonRoute[])('%s', (route) => {
    it.each(framing)('%s', async (_label, make, status, code) => {
      expectError(await make(route)(ctx), status, code);
    });
  });

  it('none of them had an effect', async () => {
    // bob (whose deletion was tried) still logs in, alice has her one video, no comment and no newcomer landed.
    const login = await call(ctx.url, 'POST', '/api/login', { body: { user_name: 'bob', pwd: 'bob password' } });
    expect(login.status).toBe(200);
    await expectOnlyAlicesVideo(ctx);
    expect(await server.store.users.findByName('newcomer')).toBeUndefined();
  });

  it.each([
    ['charset=UTF-8', 'ct.upper', 'application/json; charset=UTF-8'],
    ['no space before the charset', 'ct.nospace', 'application/json;charset=utf-8'],
    ['a quoted charset', 'ct.quoted', 'application/json; charset="utf-8"'],
    ['no charset', 'ct.none', 'application/json'],
  ])('accepts %s', async (_label, name, contentType) => {
    const answer = await jsonRoutes.register(ctx, JSON.stringify({ user_name: name, pwd: 'password1' }), {
      contentType,
    });
    expect(expectJson(answer, 201, contract.api.register.responses[201]).user_name).toBe(name);
  });

  it.each([
    ['with a Content-Length', 'mib.length', false],
    ['chunked', 'mib.chunked', true],
  ])('accepts a body of exactly 1 MiB %s', async (_label, name, chunked) => {
    const body = JSON.stringify({ user_name: name, pwd: 'password1' });
    const padded = `${body.slice(0, -1)}${' '.repeat(MiB - body.length)}}`;
    expect(Buffer.byteLength(padded)).toBe(MiB);
    const answer = await jsonRoutes.register(ctx, padded, chunked ? { chunked } : {});
    expect(expectJson(answer, 201, contract.api.register.responses[201]).user_name).toBe(name);
  });
};

eachStore('bad request framing', badFramingSuite);
