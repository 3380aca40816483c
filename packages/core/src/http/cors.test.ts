import { describe, expect, it } from 'vitest';
import { type Answer, type BytesAnswer, type FileAnswer, withHeaders } from './answer.js';
import {
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
  createCors,
  normaliseOrigins,
  parseOrigin,
  withCors,
} from './cors.js';

const APP = 'https://app.example';
const OTHER = 'http://127.0.0.1:5173';

const bytes = (headers: Record<string, string> = {}): BytesAnswer => ({
  kind: 'bytes',
  status: 200,
  headers: { 'content-type': 'text/plain', ...headers },
  body: 'ok',
});

describe('parseOrigin', () => {
  it.each([
    [APP, APP],
    ['https://app.example/', APP],
    ['HTTPS://App.Example', APP],
    ['https://app.example:443', APP],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
    ['http://127.0.0.1', 'http://127.0.0.1'],
  ])('reads %s as the origin %s', (text, origin) => {
    expect(parseOrigin(text)).toBe(origin);
  });

  it.each([
    ['', 'empty'],
    ['*', 'a wildcard'],
    ['app.example', 'no scheme'],
    ['https://app.example/path', 'a path'],
    ['https://app.example?x=1', 'a query'],
    ['https://app.example#top', 'a fragment'],
    ['https://user@app.example', 'a user'],
    ['ftp://app.example', 'another scheme'],
    ['https://app.example:99999', 'a port out of range'],
    ['https:// app.example', 'a space'],
  ])('refuses %j (%s)', (text) => {
    expect(parseOrigin(text)).toBeUndefined();
  });

  it('normalises a list, and names the first bad entry', () => {
    expect(normaliseOrigins(['https://App.example/', OTHER])).toEqual([APP, OTHER]);
    expect(normaliseOrigins('*')).toBe('*');
    expect(() => normaliseOrigins([APP, 'https://app.example/x'])).toThrow('"https://app.example/x" is not an origin');
  });
});

describe('createCors with a list of origins', () => {
  const cors = createCors({ origins: [APP, `${OTHER}/`] });

  it('gives an allowed origin itself, the exposed headers and Vary: Origin; never credentials', () => {
    expect(cors.headersFor(APP)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    });
    expect(cors.headersFor(OTHER)['access-control-allow-origin']).toBe(OTHER);
  });

  it('gives no origin and a disallowed one Vary: Origin only', () => {
    expect(cors.headersFor(null)).toEqual({ vary: 'Origin' });
    expect(cors.headersFor('https://evil.example')).toEqual({ vary: 'Origin' });
    // Origins compare exactly, as browsers send them.
    expect(cors.headersFor('https://app.example:8443')).toEqual({ vary: 'Origin' });
    expect(cors.headersFor('null')).toEqual({ vary: 'Origin' });
  });

  it('answers a preflight of an allowed origin with the methods of the path', () => {
    expect(cors.preflight(APP, 'POST')).toEqual({
      kind: 'bytes',
      status: 204,
      headers: {
        'access-control-allow-origin': APP,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      },
      body: undefined,
    });
  });

  it('leaves a preflight of another origin, or to a path nobody serves, to the routes', () => {
    expect(cors.preflight('https://evil.example', 'POST')).toBeUndefined();
    expect(cors.preflight(null, 'POST')).toBeUndefined();
    expect(cors.preflight(APP, undefined)).toBeUndefined();
  });

  it('lists the tus headers among those a page may send and read', () => {
    for (const name of ['tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata']) {
      expect(CORS_ALLOW_HEADERS.split(', ')).toContain(name);
    }
    for (const name of ['Content-Range', 'ETag', 'Retry-After', 'Location', 'Upload-Offset', 'Tus-Max-Size']) {
      expect(CORS_EXPOSE_HEADERS.split(', ')).toContain(name);
    }
  });

  it('refuses an origin that is not one', () => {
    expect(() => createCors({ origins: ['app.example'] })).toThrow('cors.origins');
  });
});

describe('createCors with *', () => {
  const cors = createCors({ origins: '*' });

  it('gives every answer `*` and the exposed headers, with no Vary: they do not depend on the origin', () => {
    const expected = { 'access-control-allow-origin': '*', 'access-control-expose-headers': CORS_EXPOSE_HEADERS };
    expect(cors.headersFor(APP)).toEqual(expected);
    expect(cors.headersFor(null)).toEqual(expected);
  });

  it('answers the preflight of any origin', () => {
    expect(cors.preflight('https://anyone.example', 'GET, HEAD')?.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD',
    });
    expect(cors.preflight(null, 'GET, HEAD')).toBeUndefined();
  });
});

describe('withHeaders', () => {
  const extra = { 'access-control-allow-origin': APP, vary: 'Origin' };

  it('adds to a bytes answer without changing the one it was given', () => {
    const answer = bytes();
    const decorated = withHeaders(answer, extra) as BytesAnswer;
    expect(decorated).toEqual({ ...answer, headers: { ...answer.headers, ...extra } });
    expect(answer.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('keeps a Vary the answer had', () => {
    expect((withHeaders(bytes({ vary: 'Accept-Encoding' }), extra) as BytesAnswer).headers.vary).toBe(
      'Accept-Encoding, Origin',
    );
  });

  it("keeps a file answer's file, open and done", () => {
    let released = 0;
    const file: FileAnswer = {
      kind: 'file',
      status: 206,
      headers: { 'content-range': 'bytes 0-9/100' },
      file: { path: '/x', start: 0, end: 9, idleTimeoutMs: 1000 },
      open: () => new ReadableStream(),
      done: () => {
        released++;
      },
    };
    const decorated = withHeaders(file, extra) as FileAnswer;
    expect(decorated.kind).toBe('file');
    expect(decorated.headers).toEqual({ 'content-range': 'bytes 0-9/100', ...extra });
    expect(decorated.file).toBe(file.file);
    expect(decorated.open).toBe(file.open);
    decorated.done();
    expect(released).toBe(1);
  });

  it('sets them on a Response, and copies one whose headers cannot change', async () => {
    const response = new Response('body', { headers: { vary: 'Range' } });
    const decorated = withHeaders(response, extra) as Response;
    expect(decorated.headers.get('access-control-allow-origin')).toBe(APP);
    expect(decorated.headers.get('vary')).toBe('Range, Origin');
    expect(await decorated.text()).toBe('body');

    const immutable = Response.redirect('http://x/elsewhere', 302);
    const copied = withHeaders(immutable, extra) as Response;
    expect(copied.status).toBe(302);
    expect(copied.headers.get('location')).toBe('http://x/elsewhere');
    expect(copied.headers.get('access-control-allow-origin')).toBe(APP);
  });
});

describe('withCors', () => {
  const seen: string[] = [];
  const inner = async (request: Request): Promise<Answer> => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return bytes();
  };
  let serving = true;
  const answer = withCors(inner, {
    cors: createCors({ origins: [APP] }),
    methodsAt: (pathname) => (pathname === '/api/register' ? 'POST' : undefined),
    serving: () => serving,
  });
  const request = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
    new Request(`http://vodkit.test${path}`, { method, headers });
  const preflight = (path: string, origin = APP) =>
    request(path, 'OPTIONS', { origin, 'access-control-request-method': 'POST' });

  it('answers a preflight itself, without the routes', async () => {
    seen.length = 0;
    const answered = (await answer(preflight('/api/register'))) as BytesAnswer;
    expect(answered.status).toBe(204);
    expect(answered.headers['access-control-allow-methods']).toBe('POST');
    expect(seen).toEqual([]);
  });

  it('hands the routes an OPTIONS that is not an allowed preflight, and decorates the answer', async () => {
    seen.length = 0;
    const other = (await answer(preflight('/api/register', 'https://evil.example'))) as BytesAnswer;
    expect(other.headers).toEqual({ 'content-type': 'text/plain', vary: 'Origin' });
    const unknownPath = (await answer(preflight('/nowhere'))) as BytesAnswer;
    expect(unknownPath.headers['access-control-allow-origin']).toBe(APP);
    const plainOptions = (await answer(request('/api/register', 'OPTIONS', { origin: APP }))) as BytesAnswer;
    expect(plainOptions.headers['access-control-allow-origin']).toBe(APP);
    const dotted = (await answer(preflight('/api/register'), { target: '/api/x/../register' })) as BytesAnswer;
    expect(dotted.headers['access-control-allow-origin']).toBe(APP);
    expect(seen).toEqual([
      'OPTIONS /api/register',
      'OPTIONS /nowhere',
      'OPTIONS /api/register',
      'OPTIONS /api/register',
    ]);
  });

  it('leaves preflights to the routes once the instance stops serving', async () => {
    seen.length = 0;
    serving = false;
    try {
      await answer(preflight('/api/register'));
    } finally {
      serving = true;
    }
    expect(seen).toEqual(['OPTIONS /api/register']);
  });
});
