import { createHash } from 'node:crypto';
import type { ConnectionInfo } from '@vodkit/core';
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
  UploadProgress,
  UploadResult,
  unwrap,
  VodkitClient,
} from '../src/browser.js';
import { PASSWORD } from './support.js';

/** What the page's script puts on `window`; page.evaluate callbacks cast to it (the casts are erased). */
interface PageGlobals {
  vodkit: { createVodkitClient: typeof createVodkitClient; unwrap: typeof unwrap };
  /** The same MP4-looking File for the same size and seed, in any page load: bytes and modification time. */
  sameFile(size: number, seed: number): File;
  /** The SHA-256 of a Blob, in hex. */
  digest(blob: Blob): Promise<string>;
  client: VodkitClient<BrowserUploadSource>;
  vid: string;
}

const ENTRY = `
import { createVodkitClient, unwrap } from '@vodkit/client';
window.vodkit = { createVodkitClient, unwrap };
window.sameFile = (size, seed) => {
  const bytes = new Uint8Array(size);
  let state = seed | 1;
  for (let at = 0; at < size; at++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[at] = state & 255;
  }
  new DataView(bytes.buffer).setUint32(0, 24);
  bytes.set(new TextEncoder().encode('ftypisom'), 4);
  return new File([bytes], 'holiday.mp4', { type: 'video/mp4', lastModified: 1700000000000 + seed });
};
window.digest = async (blob) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
`;

const HTML = '<!doctype html><meta charset="utf-8"><title>vodkit</title><script type="module" src="/app.js"></script>';
const SESSION_KEY = 'vodkit.session';
const MB = 1024 * 1024;
const SLOW_UPLOAD = 8 * MB;

interface Seen {
  method: string;
  path: string;
  bytes: number;
  offset: string | null;
  status?: number;
}

let users = 0;
const newUserName = () => `tus_browser_${process.pid}_${++users}`;

describeBrowser('client in Chromium: resumable uploads (tus)', () => {
  let browser: Browser;
  let page: Page;
  let server: PageVodkit;
  let site: PageServer;
  /** Every request vodkit answered for the page, with the bytes of its body. */
  const seen: Seen[] = [];
  const tusSince = (mark: number) => seen.slice(mark).filter((one) => one.path.startsWith('/upload/'));

  beforeAll(async () => {
    let app = '';
    await Promise.all([
      bundleForBrowser({ contents: ENTRY }).then((code) => {
        app = code;
      }),
      launchChromium().then((launched) => {
        browser = launched;
      }),
      memoryVodkit().then((made) => {
        server = made;
      }),
    ]);
    const recording = {
      async fetch(request: Request, info?: ConnectionInfo) {
        const entry: Seen = {
          method: request.method,
          path: new URL(request.url).pathname,
          bytes: 0,
          offset: request.headers.get('upload-offset'),
        };
        seen.push(entry);
        const body = request.body?.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              entry.bytes += chunk.byteLength;
              controller.enqueue(chunk);
            },
          }),
        );
        const response = await server.vodkit.fetch(
          new Request(request, { body: body ?? null, duplex: 'half' } as RequestInit),
          info,
        );
        entry.status = response.status;
        return response;
      },
    };
    site = await servePage({ vodkit: recording, html: HTML, scripts: { '/app.js': app } });
    page = await browser.newPage();
    await open(page, site.url);
  });

  /** The SHA-256 of the file the stream service serves, read in process. */
  const servedDigest = async (vid: string) => {
    const whole = await server.vodkit.fetch(new Request(`http://vodkit.test/stream/videos/${vid}`));
    expect(whole.status).toBe(200);
    return createHash('sha256')
      .update(new Uint8Array(await whole.arrayBuffer()))
      .digest('hex');
  };

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  it('uploads a File in chunks with XMLHttpRequest, with growing progress, and keeps no URL once done', async () => {
    const user_name = newUserName();
    await signIn(page, user_name);
    const size = 4 * MB + 123;
    const mark = seen.length;
    await throttleUploads(page, SLOW_UPLOAD);
    const result = await page
      .evaluate(
        async ({ user_name, size }) => {
          const { vodkit, client, sameFile, digest } = window as unknown as PageGlobals;
          const video = await vodkit.unwrap(client.api.createVideo({ params: { user_name }, body: { name: 'clip' } }));
          const file = sameFile(size, 1);
          const events: UploadProgress[] = [];
          const uploaded = await client.upload(video.id, file, {
            resumable: true,
            chunkSize: 1024 * 1024,
            onProgress: (event) => events.push({ ...event }),
          });
          return {
            vid: video.id,
            uploaded: { status: uploaded.status, body: uploaded.body },
            events,
            expected: await digest(file),
            kept: Object.keys(localStorage).filter((key) => key.startsWith('tus::')),
          };
        },
        { user_name, size },
      )
      .finally(() => throttleUploads(page, undefined));
    expect(result.uploaded).toMatchObject({ status: 200, body: { id: result.vid, status: 'ready', size } });
    expect(result.events.length).toBeGreaterThan(2);
    for (const [index, event] of result.events.entries()) {
      expect(event.total).toBe(size);
      if (index > 0) expect(event.sent).toBeGreaterThan(result.events[index - 1]?.sent ?? 0);
    }
    expect(result.events.at(-1)?.sent).toBe(size);
    expect(await servedDigest(result.vid)).toBe(result.expected);
    expect(result.kept).toEqual([]);
    const requests = tusSince(mark);
    expect(requests.map((one) => one.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
    expect(requests.every((one) => one.bytes <= MB)).toBe(true);
  });

  it('resumes after a page reload from the URL kept in localStorage, sending only what the server lacks', async () => {
    const user_name = newUserName();
    const size = 6 * MB;
    const chunkSize = 512 * 1024;
    await page.evaluate(
      async ({ user_name, pwd, key }) => {
        const w = window as unknown as PageGlobals;
        w.client = w.vodkit.createVodkitClient({
          baseUrl: location.origin,
          onSessionChange: (id) => (id ? localStorage.setItem(key, id) : localStorage.removeItem(key)),
        });
        await w.vodkit.unwrap(w.client.api.register({ body: { user_name, pwd } }));
        const video = await w.vodkit.unwrap(w.client.api.createVideo({ params: { user_name }, body: { name: 'big' } }));
        w.vid = video.id;
      },
      { user_name, pwd: PASSWORD, key: SESSION_KEY },
    );
    await throttleUploads(page, SLOW_UPLOAD);
    const aborted = await page
      .evaluate(
        async ({ size, chunkSize }) => {
          const { client, vid, sameFile } = window as unknown as PageGlobals;
          const controller = new AbortController();
          const error = await client
            .upload(vid, sameFile(size, 2), {
              resumable: true,
              chunkSize,
              signal: controller.signal,
              onProgress: ({ sent }) => {
                if (sent >= 2 * 1024 * 1024) controller.abort();
              },
            })
            .then(
              (result: UploadResult) => ({ name: 'resolved', status: result.status }),
              (caught: Error) => ({ name: caught.name }),
            );
          const kept = Object.keys(localStorage).filter((key) => key.startsWith('tus::'));
          return { error, vid, kept };
        },
        { size, chunkSize },
      )
      .finally(() => throttleUploads(page, undefined));
    expect(aborted.error).toEqual({ name: 'AbortError' });
    expect(aborted.kept).toHaveLength(1);
    expect(aborted.kept[0]).toContain(aborted.vid);

    await open(page, site.url);
    const mark = seen.length;
    const resumed = await page.evaluate(
      async ({ size, chunkSize, key, vid }) => {
        const { vodkit, sameFile, digest } = window as unknown as PageGlobals;
        const client = vodkit.createVodkitClient({
          baseUrl: location.origin,
          sessionId: localStorage.getItem(key) ?? undefined,
        });
        const file = sameFile(size, 2);
        const events: UploadProgress[] = [];
        const uploaded = await client.upload(vid, file, {
          resumable: true,
          chunkSize,
          onProgress: (event) => events.push({ ...event }),
        });
        return {
          uploaded: { status: uploaded.status, body: uploaded.body },
          events,
          expected: await digest(file),
          kept: Object.keys(localStorage).filter((name) => name.startsWith('tus::')),
        };
      },
      { size, chunkSize, key: SESSION_KEY, vid: aborted.vid },
    );
    expect(resumed.uploaded).toMatchObject({ status: 200, body: { status: 'ready', size } });
    expect(await servedDigest(aborted.vid)).toBe(resumed.expected);
    expect(resumed.kept).toEqual([]);
    const requests = tusSince(mark);
    expect(requests[0]).toMatchObject({ method: 'HEAD', status: 200 });
    expect(requests.filter((one) => one.method === 'POST')).toEqual([]);
    // The abort came at 2 MiB sent, whether the server had stored the last chunk or not; a PATCH
    // refused while the cut one still held the upload (409 UPLOAD_LOCKED) stored nothing.
    const resumedAt = Number(requests.find((one) => one.method === 'PATCH')?.offset);
    expect(resumedAt).toBeGreaterThanOrEqual(MB);
    const stored = requests.filter((one) => one.method === 'PATCH' && one.status === 204);
    expect(stored.reduce((sum, one) => sum + one.bytes, 0)).toBe(size - resumedAt);
    expect(resumed.events[0]?.sent).toBe(resumedAt);
    expect(resumed.events.at(-1)?.sent).toBe(size);
    await eventually('no part is left', async () => (await filesIn(server.dataDir)).uploads.length === 0);
  });

  it("answers a refusal with vodkit's error body, and uploads a ReadableStream of given size", async () => {
    const owner = newUserName();
    await signIn(page, owner);
    const result = await page.evaluate(
      async ({ owner, pwd, stranger }) => {
        const { vodkit, client, sameFile } = window as unknown as PageGlobals;
        const video = await vodkit.unwrap(
          client.api.createVideo({ params: { user_name: owner }, body: { name: 'v' } }),
        );
        const other = vodkit.createVodkitClient({ baseUrl: location.origin });
        await vodkit.unwrap(other.api.register({ body: { user_name: stranger, pwd } }));
        const refused = await other.upload(video.id, sameFile(10_000, 3), { resumable: true });
        const file = sameFile(700_000, 4);
        const streamed = await client.upload(video.id, file.stream(), {
          resumable: true,
          size: file.size,
          chunkSize: 256 * 1024,
        });
        return {
          refused: { status: refused.status, body: refused.body, tus: refused.headers.get('tus-resumable') },
          streamed: { status: streamed.status, body: streamed.body },
        };
      },
      { owner, pwd: PASSWORD, stranger: newUserName() },
    );
    expect(result.refused).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } }, tus: '1.0.0' });
    expect(result.streamed).toMatchObject({ status: 200, body: { status: 'ready', size: 700_000 } });
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
