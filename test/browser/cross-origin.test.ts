// A page on one origin calling vodkit on another, in headless Chromium: what `--cors-origins`
// is for. vodkit runs as the real CLI (the built `vodkit`), the page from a server of its own on
// another port, with @vodkit/client's browser build as an application's bundler takes it.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { createVodkitClient, UploadProgress, unwrap } from '../../packages/client/src/browser.js';
import { bundleForBrowser, describeBrowser, launchChromium, throttleUploads } from '../support/browser.js';
import { useCli } from '../support/cli.js';

const FIXTURE = fileURLToPath(new URL('../../examples/web/test/fixtures/clip.mp4', import.meta.url));
/** The fixture's length in seconds. */
const DURATION = 6;

/** What the page's script puts on `window`; page.evaluate callbacks cast to it (the casts are erased). */
interface PageGlobals {
  vodkit: { createVodkitClient: typeof createVodkitClient; unwrap: typeof unwrap };
}

// The package by name, as an application imports it: its exports map's `browser` build (built by `pnpm build`).
const ENTRY = `
import { createVodkitClient, unwrap } from '@vodkit/client';
window.vodkit = { createVodkitClient, unwrap };
`;
const HTML =
  '<!doctype html><meta charset="utf-8"><title>a page elsewhere</title><script type="module" src="/app.js"></script>';

/** The page's own origin: `/`, its script and the fixture, nothing of vodkit. */
async function servePageOrigin(files: Record<string, { type: string; body: string | Buffer }>) {
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://page').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The browser's keep-alive connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}

const { run, listening, dataDir } = useCli();

describeBrowser('a page on another origin, in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof servePageOrigin>>;
  /** vodkit with `--cors-origins` set to the page's origin, and the same without it. */
  let allowing: string;
  let closed: string;

  beforeAll(async () => {
    const [app, clip] = await Promise.all([bundleForBrowser({ contents: ENTRY }, { alias: {} }), readFile(FIXTURE)]);
    site = await servePageOrigin({
      '/': { type: 'text/html; charset=utf-8', body: HTML },
      '/app.js': { type: 'text/javascript; charset=utf-8', body: app },
      '/clip.mp4': { type: 'video/mp4', body: clip },
    });
    const start = (name: string, extra: string[]) =>
      listening(
        run(
          ['--port', '0', '--host', '127.0.0.1', '--data-dir', `${dataDir}/${name}`, ...extra],
          {},
          { forFile: true },
        ),
      );
    [allowing, closed, browser] = await Promise.all([
      start('allowing', ['--cors-origins', site.origin]),
      start('closed', []),
      launchChromium(),
    ]);
    page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => 'vodkit' in window);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  /** A signed-in user of `api` with a ready video of the fixture, made from Node (no CORS there). */
  const readyVideo = async (api: string, user_name: string) => {
    const post = (path: string, body: BodyInit, headers: Record<string, string>) =>
      fetch(`${api}${path}`, { method: 'POST', body, headers });
    const grant = await (
      await post('/api/register', JSON.stringify({ user_name, pwd: 'correct horse battery' }), {
        'content-type': 'application/json',
      })
    ).json();
    const session = { 'x-session-id': grant.session_id as string };
    const video = await (
      await post(`/api/user/${user_name}/videos`, JSON.stringify({ name: 'made in node' }), {
        ...session,
        'content-type': 'application/json',
      })
    ).json();
    const uploaded = await post(`/upload/videos/${video.id}`, await readFile(FIXTURE), {
      ...session,
      'content-type': 'video/mp4',
    });
    expect(uploaded.status).toBe(200);
    return `${api}/stream/videos/${video.id as string}`;
  };

  /** Plays `src` in a `<video crossorigin="anonymous">`, seeks to the middle and reads a frame through a canvas. */
  const playAndSeek = (src: string) =>
    page.evaluate(
      async ({ src, to }) => {
        const video = document.createElement('video');
        video.crossOrigin = 'anonymous';
        video.muted = true;
        video.preload = 'auto';
        document.body.append(video);
        const event = (name: string) =>
          new Promise<void>((resolve, reject) => {
            video.addEventListener(name, () => resolve(), { once: true });
            video.addEventListener('error', () => reject(new Error(`media error ${video.error?.code}`)), {
              once: true,
            });
          });
        try {
          const loaded = event('loadedmetadata');
          video.src = src;
          await loaded;
          const seeked = event('seeked');
          video.currentTime = to;
          await seeked;
          const canvas = document.createElement('canvas');
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          const context = canvas.getContext('2d');
          if (!context) throw new Error('no 2d context');
          context.drawImage(video, 0, 0);
          const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
          let lit = 0;
          for (let i = 0; i < data.length; i += 4)
            if ((data[i] ?? 0) + (data[i + 1] ?? 0) + (data[i + 2] ?? 0) > 0) lit++;
          return {
            ok: true as const,
            duration: video.duration,
            currentTime: video.currentTime,
            size: [video.videoWidth, video.videoHeight],
            lit,
          };
        } catch (error) {
          return { ok: false as const, error: `${(error as Error).name}: ${(error as Error).message}` };
        } finally {
          video.remove();
        }
      },
      { src, to: DURATION / 2 },
    );

  it('registers, creates a video and uploads an MP4 with progress through @vodkit/client', async () => {
    // Slow enough for several progress events (Chromium reports every 100 ms).
    await throttleUploads(page, 200_000);
    try {
      const result = await page.evaluate(async (api) => {
        const { vodkit } = window as unknown as PageGlobals;
        const client = vodkit.createVodkitClient({ baseUrl: api });
        const user_name = 'page_user';
        await vodkit.unwrap(client.api.register({ body: { user_name, pwd: 'correct horse battery' } }));
        const video = await vodkit.unwrap(
          client.api.createVideo({ params: { user_name }, body: { name: 'from another origin' } }),
        );
        const bytes = await (await fetch('/clip.mp4')).blob();
        const file = new File([bytes], 'clip.mp4', { type: 'video/mp4' });
        const events: UploadProgress[] = [];
        const uploaded = await client.upload(video.id, file, { onProgress: (event) => events.push({ ...event }) });
        const listed = await vodkit.unwrap(client.api.listVideos({ params: { user_name }, query: {} }));
        return {
          origin: location.origin,
          size: file.size,
          video,
          uploaded,
          events,
          listed,
          streamUrl: client.streamUrl(video.id),
        };
      }, allowing);
      expect(result.origin).not.toBe(new URL(allowing).origin);
      expect(result.video.stream_url).toBe(`/stream/videos/${result.video.id}`);
      expect(result.uploaded).toMatchObject({
        status: 200,
        body: { id: result.video.id, status: 'ready', size: result.size },
      });
      expect(result.events.length).toBeGreaterThan(2);
      expect(result.events.at(-1)).toEqual({ sent: result.size, total: result.size });
      expect(result.listed.videos.map((video) => video.id)).toEqual([result.video.id]);
      expect(result.streamUrl).toBe(`${allowing}/stream/videos/${result.video.id}`);
    } finally {
      await throttleUploads(page, undefined);
    }
  });

  it('reads a Range with fetch: 206, its Content-Range readable from JavaScript', async () => {
    const src = await readyVideo(allowing, 'range_user');
    const size = (await readFile(FIXTURE)).length;
    const range = await page.evaluate(async (url) => {
      const response = await fetch(url, { headers: { range: 'bytes=100-199' } });
      return {
        status: response.status,
        contentRange: response.headers.get('content-range'),
        etag: response.headers.get('etag'),
        length: (await response.arrayBuffer()).byteLength,
      };
    }, src);
    expect(range).toEqual({
      status: 206,
      contentRange: `bytes 100-199/${size}`,
      etag: expect.any(String),
      length: 100,
    });
  });

  it('plays and seeks a <video crossorigin="anonymous">, and reads its frame from a canvas', async () => {
    const played = await playAndSeek(await readyVideo(allowing, 'player_user'));
    expect(played).toMatchObject({ ok: true, size: [320, 240] });
    if (!played.ok) return;
    expect(played.duration).toBeCloseTo(DURATION, 0);
    expect(played.currentTime).toBeCloseTo(DURATION / 2, 0);
    expect(played.lit).toBeGreaterThan(0);
  });

  it('without --cors-origins the same page is refused: fetch fails with a TypeError, the video errors', async () => {
    const src = await readyVideo(closed, 'closed_user');
    const refused = await page.evaluate(
      async ({ api, src }) => {
        const failure = async (attempt: () => Promise<unknown>) => {
          try {
            await attempt();
            return 'answered';
          } catch (error) {
            return (error as Error).name;
          }
        };
        const { vodkit } = window as unknown as PageGlobals;
        const client = vodkit.createVodkitClient({ baseUrl: api });
        return {
          healthz: await failure(() => fetch(`${api}/healthz`)),
          range: await failure(() => fetch(src, { headers: { range: 'bytes=100-199' } })),
          register: await failure(() =>
            client.api.register({ body: { user_name: 'page_refused', pwd: 'correct horse battery' } }),
          ),
        };
      },
      { api: closed, src },
    );
    expect(refused).toEqual({ healthz: 'TypeError', range: 'TypeError', register: 'TypeError' });
    const played = await playAndSeek(src);
    expect(played).toEqual({ ok: false, error: expect.stringMatching(/^Error: media error \d/) });
  });
});
