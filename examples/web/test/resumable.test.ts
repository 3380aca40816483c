// The example's resumable uploads end to end: the built page (`pnpm build` first, as for
// e2e.test.ts) served by the real `vodkit --web`, driven in headless Chromium. The page reaches
// vodkit through a TCP proxy the test controls, so a cut really breaks the PATCH in flight (the
// browser's offline emulation leaves a request under way alone); uploads are slowed with DevTools
// network emulation so there is time to act mid-upload. Requests are watched from the browser
// (page.on('request' | 'response' | 'requestfailed')), the stored bytes read from the stream route.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium, throttleUploads } from '../../../test/support/browser.js';
import { useCli } from '../../../test/support/cli.js';
import { mp4Bytes } from '../../../test/support/files.js';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy.js';

const MB = 1024 * 1024;
/** A few MB, in one tus chunk (the client's default is 8 MiB): the server keeps every byte of a cut PATCH. */
const SIZE = 4 * MB + 321;
/** About 4 s for the whole file: slow enough to act mid-upload, quick enough for CI. */
const RATE = MB;
const USER = 'resumable_e2e';
/** Screenshots, kept after the run (test-results/ is not committed), as e2e.test.ts keeps its own. */
const SHOTS = fileURLToPath(new URL('../test-results/', import.meta.url));

/** One request of the page to the tus routes (/upload/…), as Chromium sent it and the server answered it. */
interface Seen {
  method: string;
  path: string;
  /** The request's Upload-Offset (PATCH). */
  offset: number | undefined;
  status?: number;
  /** The answer's Upload-Offset (HEAD, PATCH). */
  answered?: number;
  /** Chromium's net error, for a request that got no answer. */
  failure?: string;
}

const { run, listening } = useCli();

describeBrowser('examples/web in Chromium: resumable uploads through a lost connection and a page reload', () => {
  let browser: Browser;
  let page: Page;
  /** vodkit itself; the page goes through the proxy, which the test can cut. */
  let direct: string;
  let proxy: TcpProxy;
  let dir: string;
  let file: string;
  let digest: string;
  const seen: Seen[] = [];
  const byRequest = new Map<Request, Seen>();
  const tusSince = (mark: number) => seen.slice(mark);

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'vodkit-resumable-e2e-'));
    file = join(dir, 'holiday.mp4');
    const bytes = mp4Bytes(SIZE);
    digest = createHash('sha256').update(bytes).digest('hex');
    await writeFile(file, bytes);
    const started = run(['--port', '0', '--web'], {}, { forFile: true });
    [direct, browser] = await Promise.all([listening(started), launchChromium()]);
    const { hostname, port } = new URL(direct);
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (!pathname.startsWith('/upload/')) return;
      const offset = request.headers()['upload-offset'];
      const entry: Seen = { method: request.method(), path: pathname, offset: offset ? Number(offset) : undefined };
      seen.push(entry);
      byRequest.set(request, entry);
    });
    page.on('response', (response) => {
      const entry = byRequest.get(response.request());
      if (!entry) return;
      entry.status = response.status();
      const offset = response.headers()['upload-offset'];
      if (offset !== undefined) entry.answered = Number(offset);
    });
    page.on('requestfailed', (request) => {
      const entry = byRequest.get(request);
      if (entry) entry.failure = request.failure()?.errorText ?? 'failed';
    });
    await page.goto(proxy.via(direct));
    await page.fill('#register-form [name=user_name]', USER);
    await page.fill('#register-form [name=pwd]', 'correct horse battery');
    await page.click('#register-form button[type=submit]');
    await page.waitForSelector(`#signed-in:has-text("${USER}")`);
  });

  // What the page showed and the tus requests it sent, when a test failed: timing is what these
  // tests are about, and CI runs them on a busy machine.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || !page) return;
    const shown = await page
      .evaluate(() => ['#message', '#upload-status'].map((id) => document.querySelector(id)?.textContent))
      .catch((error: unknown) => [String(error)]);
    console.error(`${context.task.name}: the page showed ${JSON.stringify(shown)}; tus: ${JSON.stringify(seen)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

  /** The SHA-256 of the file vodkit serves for the video, read past the proxy. */
  const served = async (vid: string) => {
    const response = await fetch(new URL(`/stream/videos/${vid}`, direct));
    expect(response.status).toBe(200);
    return createHash('sha256')
      .update(new Uint8Array(await response.arrayBuffer()))
      .digest('hex');
  };

  const progressAt = (percent: number) =>
    page.waitForFunction(
      (at) => (document.querySelector('#upload-progress') as HTMLProgressElement).value >= at,
      percent,
      { timeout: 20_000 },
    );

  /** The page's end of an upload: 100 %, "uploaded", the video ready in the list; its id. */
  const finished = async (name: string) => {
    await progressAt(100);
    await expect.poll(() => page.textContent('#upload-status')).toMatch(/^100 %/);
    await page.waitForSelector(`#message:has-text("“${name}” is uploaded.")`);
    const item = page.locator('#videos li', { hasText: name });
    await item.locator('.status:has-text("ready")').waitFor();
    const vid = await item.getAttribute('data-vid');
    if (!vid) throw new Error(`no id for ${name}`);
    return vid;
  };

  it('rides out a cut connection: the page says it is retrying, then resumes from what the server kept', async () => {
    const name = 'Lost connection';
    await throttleUploads(page, RATE);
    const mark = seen.length;
    try {
      await page.fill('#upload-name', name);
      await page.setInputFiles('#upload-file', file);
      await page.click('#upload-submit');
      await progressAt(30);
      const atCut = seen.length;
      // Every connection between the page and vodkit closed, new ones reset until restore():
      // the PATCH in flight is cut mid-body, as by a dropped network.
      proxy.cut();
      // Cut until the page says it is stalled (2 s without progress): by then the PATCH and the
      // client's first retries have failed; the next retry (3 s later) finds the server again.
      await page.waitForSelector('#upload-status[data-stalled]', { timeout: 10_000 });
      expect(await page.textContent('#upload-status')).toMatch(/^\d+ % — .* · no progress: retrying/);
      await shot('resumable-stalled');
      proxy.restore();

      const vid = await finished(name);
      expect(await page.getAttribute('#upload-status', 'data-stalled')).toBeNull();
      expect(await served(vid)).toBe(digest);

      const before = tusSince(mark).slice(0, atCut - mark);
      const after = tusSince(atCut);
      // Before the cut: the upload was created and its one PATCH (from 0) was under way; the cut failed it.
      expect(before.map((one) => `${one.method} ${one.status ?? one.failure}`)).toEqual([
        'POST 201',
        expect.stringMatching(/^PATCH net::ERR_/),
      ]);
      // While cut, the retries found no server; once restored, HEAD asked the server for its offset
      // and the PATCH went on from there: never a new upload.
      expect(after.filter((one) => one.method === 'POST')).toEqual([]);
      expect(after.filter((one) => one.failure).length).toBeGreaterThanOrEqual(1);
      const head = after.find((one) => one.method === 'HEAD' && one.status === 200);
      expect(head?.answered).toBeGreaterThan(0);
      const resumed = after.filter((one) => one.method === 'PATCH' && one.status === 204);
      expect(resumed[0]?.offset).toBeGreaterThan(0);
      expect(resumed.at(-1)?.answered).toBe(SIZE);
    } finally {
      proxy.restore();
      await throttleUploads(page, undefined);
    }
  });

  it('stops when the browser goes offline, keeps the video, and Upload resumes it once back online', async () => {
    const name = 'Offline';
    await throttleUploads(page, RATE);
    const mark = seen.length;
    try {
      await page.fill('#upload-name', name);
      await page.setInputFiles('#upload-file', file);
      await page.click('#upload-submit');
      await progressAt(30);
      // The network goes away (a laptop off its Wi-Fi): the connection is cut, and navigator.onLine
      // turns false. The client does not retry while offline, so the upload fails at once.
      // (Chromium's offline emulation alone does not cut a request already under way.)
      proxy.cut();
      await page.context().setOffline(true);
      await page.waitForSelector('#message:has-text("The connection was lost at")');
      await shot('resumable-offline');
    } finally {
      proxy.restore();
      await page.context().setOffline(false);
      await throttleUploads(page, undefined);
    }
    // The form stays on the video with the file chosen, and the list offers to continue it.
    expect(await page.textContent('#upload-status')).toMatch(/^Stopped at \d+ %\.$/);
    expect(await page.textContent('#upload-target')).toContain(`“${name}”`);
    await page.locator('#videos li', { hasText: name }).locator('.resume').waitFor();
    const atResume = seen.length;
    await page.click('#upload-submit');
    const vid = await finished(name);
    expect(await served(vid)).toBe(digest);
    const requests = tusSince(mark);
    expect(requests.filter((one) => one.method === 'POST')).toHaveLength(1);
    const again = tusSince(atResume);
    expect(again[0]).toMatchObject({ method: 'HEAD', status: 200 });
    expect(again.find((one) => one.method === 'PATCH')?.offset).toBeGreaterThan(0);
  });

  it('resumes after a page reload when the same file is chosen again for the same video', async () => {
    const name = 'Page reload';
    await throttleUploads(page, RATE);
    let mark = 0;
    let inFlight: Seen | undefined;
    try {
      await page.fill('#upload-name', name);
      await page.setInputFiles('#upload-file', file);
      await page.click('#upload-submit');
      await progressAt(40);
      mark = seen.length;
      inFlight = seen.at(-1);
      await page.reload();
    } finally {
      await throttleUploads(page, undefined);
    }
    // The session is kept in localStorage: still signed in, and the video waits, pending.
    await page.waitForSelector(`#signed-in:has-text("${USER}")`);
    const item = page.locator('#videos li', { hasText: name });
    await item.locator('.status:has-text("pending")').waitFor();
    const kept = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::')));
    expect(kept).toHaveLength(1);

    await item.locator('.resume').click();
    await expect.poll(() => page.textContent('#upload-target')).toContain(`“${name}”`);
    await shot('resumable-continue');
    expect(await page.isHidden('#upload-name')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('upload-file');
    await page.setInputFiles('#upload-file', file);
    await page.click('#upload-submit');
    // The bar starts where the server's bytes end, not at 0.
    await progressAt(1);
    expect(await page.locator('#upload-progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBeGreaterThan(
      10,
    );

    const vid = await finished(name);
    expect(await served(vid)).toBe(digest);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::')))).toEqual([]);
    // The form is back to a new video.
    expect(await page.isVisible('#upload-name')).toBe(true);

    const requests = tusSince(mark);
    // The PATCH under way when the page went was aborted by the navigation, then the upload was
    // found again by its URL in localStorage: HEAD first, no new upload, and only the rest sent.
    expect(inFlight).toMatchObject({ method: 'PATCH', offset: 0 });
    expect(inFlight?.failure).toBeDefined();
    const resumed = requests;
    expect(resumed[0]).toMatchObject({ method: 'HEAD', status: 200 });
    expect(resumed[0]?.answered).toBeGreaterThan(0);
    expect(resumed.filter((one) => one.method === 'POST')).toEqual([]);
    const patches = resumed.filter((one) => one.method === 'PATCH');
    expect(patches[0]?.offset).toBeGreaterThan(0);
    const stored = patches.filter((one) => one.status === 204);
    const sentAgain = stored.reduce((sum, one) => sum + ((one.answered ?? 0) - (one.offset ?? 0)), 0);
    expect(sentAgain).toBe(SIZE - (stored[0]?.offset ?? 0));
    expect(sentAgain).toBeLessThan(SIZE);
  });
});
