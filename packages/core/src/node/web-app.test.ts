import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { memoryStore } from '../store/memory-store.js';
import { createVodkit } from '../vodkit.js';
import { withWebApp } from './web-app.js';

describe('withWebApp', () => {
  let dir: string;
  const calls: string[] = [];
  const answer = async (request: Request) => {
    calls.push(`${request.method} ${new URL(request.url).pathname}`);
    return new Response('from vodkit');
  };
  const api = { answer, fetch: answer };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vodkit-web-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>web</title>');
    await writeFile(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(join(tmpdir(), 'vodkit-web-secret.txt'), 'secret');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const get = (path: string, method = 'GET') => withWebApp(api, dir).fetch(new Request(`http://x${path}`, { method }));

  it('serves the page at / and hashed assets cached for good', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>web</title>');
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it("leaves vodkit's paths and other methods to vodkit", async () => {
    for (const path of ['/api/videos/x', '/stream/videos/x', '/upload/videos/x', '/scheduler/videos/x', '/healthz']) {
      expect(await (await get(path)).text()).toBe('from vodkit');
    }
    expect(await (await get('/', 'POST')).text()).toBe('from vodkit');
    expect(calls).toHaveLength(6);
  });

  it('answers 404 outside the directory and for missing files, 400 for a bad escape', async () => {
    expect((await get('/nope.js')).status).toBe(404);
    expect((await get('/%2e%2e/vodkit-web-secret.txt')).status).toBe(404);
    expect((await get('/..%2fvodkit-web-secret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it("refuses dot segments in the page's paths too, and hands vodkit the connection's info", async () => {
    const seen: unknown[] = [];
    const seeing = async (_request: Request, info?: unknown) => {
      seen.push(info);
      return new Response('vodkit');
    };
    const spy = { answer: seeing, fetch: seeing };
    const app = withWebApp(spy, dir);
    const refused = await app.fetch(new Request('http://x/index.html'), { target: '/index.html/..' });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('VALIDATION');
    expect(seen).toEqual([]);
    // vodkit's paths are vodkit's whole: it refuses their dot segments itself, with its own headers (CORS).
    const info = { remoteAddress: '203.0.113.9', target: '/healthz' };
    expect((await app.fetch(new Request('http://x/healthz'), info)).status).toBe(200);
    const dotted = { target: '/healthz/..' };
    await app.fetch(new Request('http://x/healthz'), dotted);
    expect(seen).toEqual([info, dotted]);
  });

  it("gives vodkit's answers their CORS headers, and leaves the page's files without them", async () => {
    const origin = 'https://app.example';
    const vodkit = createVodkit({
      store: memoryStore(),
      passwords: { hash: async (password) => password, verify: async (password, stored) => password === stored },
      logger: silentLogger,
      cors: { origins: [origin] },
    });
    try {
      const app = withWebApp(vodkit, dir);
      const preflight = await app.fetch(
        new Request('http://x/api/register', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        }),
      );
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
      const health = await app.fetch(new Request('http://x/healthz', { headers: { origin } }));
      expect(health.headers.get('access-control-allow-origin')).toBe(origin);
      const refused = await app.fetch(new Request('http://x/healthz', { headers: { origin } }), {
        target: '/healthz/..',
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
      const page = await app.fetch(new Request('http://x/', { headers: { origin } }));
      expect(page.status).toBe(200);
      expect(page.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await vodkit.close();
    }
  });
});
