import { type ErrorCode, errorCodes } from '@vodkit/core';
import { describe, expect, it } from 'vitest';
import { call } from '../../../test/support/server.js';
import { memoryKind } from '../../../test/support/stores.js';
import { openRaw, parseResponse } from './support/socket.js';
import { useServer } from './support/suite.js';

/** Sends bytes as they are and returns the first response once the server closes. */
const exchange = async (base: string, bytes: string) => {
  const conn = await openRaw(base);
  conn.socket.write(bytes);
  await conn.closed;
  return parseResponse(conn.received());
};

const expectRawError = (answer: ReturnType<typeof parseResponse>, code: ErrorCode) => {
  expect(answer.status).toBe(errorCodes[code].status);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(answer.body));
  expect(JSON.parse(answer.body)).toEqual({ error: { code, message: errorCodes[code].message } });
};

describe('requests node:http cannot parse get the one error shape (serve)', () => {
  const server = useServer(memoryKind);

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 'VALIDATION'],
    [
      'a Content-Length that is not a number',
      'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n',
      'VALIDATION',
    ],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'VALIDATION',
    ],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', 'VALIDATION'],
    [
      'headers over 16 KiB',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`,
      'HEADERS_TOO_LARGE',
    ],
  ] as const)('%s', async (_label, bytes, code) => {
    expectRawError(await exchange(server.url, bytes), code);
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('garbage pipelined behind a request in flight: that request is answered first, then the garbage', async () => {
    const conn = await openRaw(server.url);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n');
    await conn.closed;
    // Node parses the garbage while the first answer is still being made: a 400 written
    // then would arrive as the answer to the first request. It goes out after it instead.
    const first = parseResponse(conn.received());
    expect(first.status).toBe(200);
    const length = Number(first.headers.get('content-length'));
    expectRawError(parseResponse(first.body.slice(length)), 'VALIDATION');
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('the request target (serve)', () => {
  const server = useServer(memoryKind);

  it('"//host/api/..." is a path, not a host: it matches no route and registers no one', async () => {
    const body = JSON.stringify({ user_name: 'slash', pwd: 'password1' });
    const answer = await exchange(
      server.url,
      `POST //evil.example/api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error.code).toBe('NOT_FOUND');
    expect(await server.store.users.findByName('slash')).toBeUndefined();
  });

  it('an absolute-form target routes on its path, whatever its host', async () => {
    const answer = await exchange(
      server.url,
      'GET http://other.example/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
  });

  it('a Host header that is not a host name is 400, not a URL made from it', async () => {
    const answer = await exchange(
      server.url,
      'GET /healthz HTTP/1.1\r\nHost: exa mple/../x\r\nConnection: close\r\n\r\n',
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.details).toEqual([
      { path: 'headers.host', message: 'is missing or not a valid host' },
    ]);
  });
});
