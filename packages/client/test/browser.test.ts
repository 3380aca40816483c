import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bundleForBrowser,
  describeBrowser,
  launchChromium,
  memoryVodkit,
  type PageServer,
  type PageVodkit,
  servePage,
  throttleUploads,
} from '../../../test/support/browser.js';
import { eventually, filesIn } from '../../../test/support/files.js';
import type {
  BrowserUploadSource,
  createVodkitClient,
  isVodkitClientError,
  UploadProgress,
  unwrap,
  VodkitClient,
} from '../src/browser.js';
import { PASSWORD } from './support.js';

/** What the page's script puts on `window`; page.evaluate callbacks cast to it (the casts are erased). */
interface PageGlobals {
  vodkit: {
    createVodkitClient: typeof createVodkitClient;
    unwrap: typeof unwrap;
    isVodkitClientError: typeof isVodkitClientError;
  };
  /** An MP4-looking File of random bytes made in the page, as mp4Bytes makes one in Node. */
  mp4File(size: number): File;
  /** The signed-in client of the current test (see signIn). */
  client: VodkitClient<BrowserUploadSource>;
}

// The page's one script: the browser entry, imported as an application would.
const ENTRY = `
import { createVodkitClient, isVodkitClientError, unwrap } from '@vodkit/client';
window.vodkit = { createVodkitClient, unwrap, isVodkitClientError };
window.mp4File = (size) => {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB at a time.
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  new DataView(bytes.buffer).setUint32(0, 24);
  bytes.set(new TextEncoder().encode('ftypisom'), 4);
  return new File([bytes], 'clip.mp4', { type: 'video/mp4' });
};
`;

const HTML = '<!doctype html><meta charset="utf-8"><title>vodkit</title><script type="module" src="/app.js"></script>';
const SESSION_KEY = 'vodkit.session';
const MB = 1024 * 1024;
/** The server's upload limit: every file below is under it but the one meant to be refused. */
const MAX_UPLOAD_BYTES = 32 * MB;
/** Slow enough for several progress events (Chromium reports every 100 ms), fast enough to keep the file quick. */
const SLOW_UPLOAD = 8 * MB;

let users = 0;
const newUserName = () => `browser_${process.pid}_${++users}`;

describeBrowser('client in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: PageVodkit;
  let site: PageServer;

  beforeAll(async () => {
    let app = '';
    // Each is kept as soon as it is up, so afterAll closes whatever started even when another failed.
    await Promise.all([
      bundleForBrowser({ contents: ENTRY }).then((code) => {
        app = code;
      }),
      launchChromium().then((launched) => {
        browser = launched;
      }),
      memoryVodkit({ maxUploadBytes: MAX_UPLOAD_BYTES }).then((made) => {
        server = made;
      }),
    ]);
    site = await servePage({ vodkit: server.vodkit, html: HTML, scripts: { '/app.js': app } });
    page = await browser.newPage();
    await open(page, site.url);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  it('keeps the session, persists it with onSessionChange and resumes it after a reload', async () => {
    const user_name = newUserName();
    const registered = await page.evaluate(
      async ({ user_name, pwd, key }) => {
        const { vodkit } = window as unknown as PageGlobals;
        localStorage.removeItem(key);
        const client = vodkit.createVodkitClient({
          baseUrl: location.origin,
          onSessionChange: (id) => (id ? localStorage.setItem(key, id) : localStorage.removeItem(key)),
        });
        const body = await vodkit.unwrap(client.api.register({ body: { user_name, pwd } }));
        const user = await client.api.getUser({ params: { user_name } });
        return { session_id: body.session_id, kept: client.sessionId, stored: localStorage.getItem(key), user };
      },
      { user_name, pwd: PASSWORD, key: SESSION_KEY },
    );
    expect(registered.session_id).toMatch(/.{16,}/);
    expect(registered.kept).toBe(registered.session_id);
    expect(registered.stored).toBe(registered.session_id);
    expect(registered.user).toMatchObject({ status: 200, body: { user_name } });

    await page.reload();
    await page.waitForFunction(() => 'vodkit' in window);
    const resumed = await page.evaluate(
      async ({ user_name, key }) => {
        const { vodkit } = window as unknown as PageGlobals;
        const stranger = await vodkit
          .createVodkitClient({ baseUrl: location.origin })
          .api.getUser({ params: { user_name } });
        const client = vodkit.createVodkitClient({
          baseUrl: location.origin,
          sessionId: localStorage.getItem(key) ?? undefined,
          onSessionChange: (id) => (id ? localStorage.setItem(key, id) : localStorage.removeItem(key)),
        });
        const user = await client.api.getUser({ params: { user_name } });
        const logout = await client.api.logout();
        return {
          stranger: stranger.status,
          user: user.status,
          logout: logout.status,
          stored: localStorage.getItem(key),
        };
      },
      { user_name, key: SESSION_KEY },
    );
    expect(resumed).toEqual({ stranger: 401, user: 200, logout: 204, stored: null });
  });

  it('uploads a File with growing progress, then streams it whole and by range', async () => {
    const user_name = newUserName();
    await signIn(page, user_name);
    const size = 4 * MB + 123;
    await throttleUploads(page, SLOW_UPLOAD);
    try {
      const result = await page.evaluate(
        async ({ user_name, size }) => {
          const { vodkit, client, mp4File } = window as unknown as PageGlobals;
          const video = await vodkit.unwrap(client.api.createVideo({ params: { user_name }, body: { name: 'clip' } }));
          const file = mp4File(size);
          const events: UploadProgress[] = [];
          const uploaded = await client.upload(video.id, file, { onProgress: (event) => events.push({ ...event }) });

          const digest = async (bytes: ArrayBuffer) => [
            ...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)),
          ];
          const whole = await fetch(client.streamUrl(video.id));
          const range = await fetch(client.streamUrl(video.id), { headers: { range: 'bytes=100-199' } });
          return {
            uploaded: { status: uploaded.status, body: uploaded.body },
            events,
            whole: {
              status: whole.status,
              type: whole.headers.get('content-type'),
              digest: await digest(await whole.arrayBuffer()),
              expected: await digest(await file.arrayBuffer()),
            },
            range: {
              status: range.status,
              contentRange: range.headers.get('content-range'),
              bytes: [...new Uint8Array(await range.arrayBuffer())],
              expected: [...new Uint8Array(await file.slice(100, 200).arrayBuffer())],
            },
            vid: video.id,
          };
        },
        { user_name, size },
      );
      expect(result.uploaded).toMatchObject({ status: 200, body: { id: result.vid, status: 'ready', size } });
      expect(result.events.length).toBeGreaterThan(2);
      for (const [index, event] of result.events.entries()) {
        expect(event.total).toBe(size);
        if (index > 0) expect(event.sent).toBeGreaterThan(result.events[index - 1]?.sent ?? 0);
      }
      expect(result.events.at(-1)?.sent).toBe(size);

      expect(result.whole).toMatchObject({ status: 200, type: 'video/mp4' });
      expect(result.whole.digest).toEqual(result.whole.expected);
      expect(result.range).toMatchObject({ status: 206, contentRange: `bytes 100-199/${size}` });
      expect(result.range.bytes).toEqual(result.range.expected);
    } finally {
      await throttleUploads(page, undefined);
    }
  });

  it('aborts an upload mid-way, leaving the video pending, and a retry succeeds', async () => {
    const user_name = newUserName();
    await signIn(page, user_name);
    const size = 30 * MB;
    await page.evaluate(
      async ({ user_name, size }) => {
        const w = window as unknown as PageGlobals & { vid: string; file: File };
        const video = await w.vodkit.unwrap(w.client.api.createVideo({ params: { user_name }, body: { name: 'big' } }));
        w.vid = video.id;
        w.file = w.mp4File(size);
      },
      { user_name, size },
    );

    await throttleUploads(page, SLOW_UPLOAD);
    const aborted = await page
      .evaluate(async () => {
        const { client, vid, file } = window as unknown as PageGlobals & { vid: string; file: File };
        const controller = new AbortController();
        const events: UploadProgress[] = [];
        const error = await client
          .upload(vid, file, {
            signal: controller.signal,
            onProgress: (event) => {
              events.push({ ...event });
              controller.abort();
            },
          })
          .then(
            (result) => ({ name: 'resolved', status: result.status }),
            (caught: Error) => ({ name: caught.name }),
          );
        const video = await client.api.getVideo({ params: { vid } });
        return { error, events, video: video.status === 200 ? video.body.status : video.status };
      })
      .finally(() => throttleUploads(page, undefined));
    expect(aborted.error).toEqual({ name: 'AbortError' });
    expect(aborted.events.length).toBe(1);
    expect(aborted.events[0]?.sent).toBeLessThan(size);
    expect(aborted.video).toBe('pending');
    await eventually(
      'the aborted upload leaves no temporary file',
      async () => (await filesIn(server.dataDir)).tmp.length === 0,
    );

    const retried = await page.evaluate(async () => {
      const { client, vid, file } = window as unknown as PageGlobals & { vid: string; file: File };
      const result = await client.upload(vid, file);
      return { status: result.status, body: result.body };
    });
    expect(retried).toMatchObject({ status: 200, body: { status: 'ready', size } });
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a file over the upload limit', async () => {
    const user_name = newUserName();
    await signIn(page, user_name);
    const refused = await page.evaluate(
      async ({ user_name, size }) => {
        const { vodkit, client, mp4File } = window as unknown as PageGlobals;
        const video = await vodkit.unwrap(client.api.createVideo({ params: { user_name }, body: { name: 'huge' } }));
        const file = mp4File(size);
        const result = await client.upload(video.id, file);
        const after = await vodkit.unwrap(client.api.getVideo({ params: { vid: video.id } }));
        // The throwing style: unwrap turns the 413 into a VodkitClientError with its code.
        const thrown = await vodkit.unwrap(client.upload(video.id, file)).catch((error: unknown) => ({
          isVodkitClientError: vodkit.isVodkitClientError(error, 'PAYLOAD_TOO_LARGE'),
          status: (error as { status?: number }).status,
        }));
        return { status: result.status, body: result.body, video: after.status, thrown };
      },
      { user_name, size: MAX_UPLOAD_BYTES + 1 },
    );
    expect(refused).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
      video: 'pending',
      thrown: { isVodkitClientError: true, status: 413 },
    });
  });
});

/** Loads the page and waits for its script. */
async function open(page: Page, url: string) {
  await page.goto(url);
  await page.waitForFunction(() => 'vodkit' in window);
}

/** Registers a new user in the page and keeps its client as `window.client`. */
async function signIn(page: Page, user_name: string) {
  await page.evaluate(
    async ({ user_name, pwd }) => {
      const w = window as unknown as PageGlobals;
      w.client = w.vodkit.createVodkitClient({ baseUrl: location.origin });
      await w.vodkit.unwrap(w.client.api.register({ body: { user_name, pwd } }));
    },
    { user_name, pwd: PASSWORD },
  );
}
