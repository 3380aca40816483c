import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchChromium } from '../../../test/support/browser.js';
import { useCli } from '../../../test/support/cli.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const FIXTURE = here('./fixtures/clip.mp4');
/** Screenshots of the main screens, kept after the run (test-results/ is not committed). */
const SHOTS = here('../test-results/');

const { run, listening } = useCli();

describeBrowser('examples/web in Chromium, served by `vodkit --web`', () => {
  let browser: Browser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    const started = run(['--port', '0', '--web'], {}, { forFile: true });
    url = await listening(started);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

  it('registers, and keeps the session across a reload', async () => {
    await page.goto(url);
    await shot('1-signed-out');
    await page.fill('#register-form [name=user_name]', 'e2e_user');
    await page.fill('#register-form [name=pwd]', 'correct horse battery');
    await page.click('#register-form button[type=submit]');
    await page.waitForSelector('#signed-in:has-text("e2e_user")');
    await page.reload();
    await page.waitForSelector('#signed-in:has-text("e2e_user")');
  });

  it('uploads a real MP4 with the progress bar reaching 100 %', async () => {
    await page.fill('#upload-form [name=name]', 'Test pattern');
    await page.setInputFiles('#upload-form [name=file]', FIXTURE);
    await page.click('#upload-form button[type=submit]');
    await page.waitForFunction(
      () => (document.querySelector('#upload-progress') as HTMLProgressElement).value === 100,
      undefined,
      { timeout: 8000 },
    );
    await expect.poll(() => page.textContent('#upload-status')).toMatch(/^100 %/);
    await page.waitForSelector('#videos li:has-text("Test pattern") .status:has-text("ready")');
    await shot('2-uploaded');
  });

  it('plays it, and seeks to the middle with a Range request', async () => {
    await page.click('#videos li:has-text("Test pattern") .open');
    const video = page.locator('#video');
    await video.evaluate(
      (element: HTMLVideoElement) =>
        new Promise<void>((resolve, reject) => {
          if (element.readyState >= 1) resolve();
          element.addEventListener('loadedmetadata', () => resolve(), { once: true });
          element.addEventListener('error', () => reject(new Error(`video error ${element.error?.code}`)), {
            once: true,
          });
        }),
    );
    const duration = await video.evaluate((element: HTMLVideoElement) => element.duration);
    expect(duration).toBeCloseTo(6, 0);
    const seeked = await video.evaluate(
      (element: HTMLVideoElement, to: number) =>
        new Promise<{ currentTime: number; readyState: number }>((resolve) => {
          element.addEventListener(
            'seeked',
            () => resolve({ currentTime: element.currentTime, readyState: element.readyState }),
            { once: true },
          );
          element.currentTime = to;
        }),
      duration / 2,
    );
    expect(seeked.currentTime).toBeCloseTo(duration / 2, 0);
    expect(seeked.readyState).toBeGreaterThanOrEqual(2); // HAVE_CURRENT_DATA: the frame there is loaded
    await shot('3-player');
  });

  it('posts a comment, shown as text', async () => {
    await page.fill('#comment-form [name=content]', '<b>nice</b> pattern');
    await page.click('#comment-form button[type=submit]');
    const first = page.locator('#comments li .content').first();
    await expect.poll(() => first.textContent()).toBe('<b>nice</b> pattern');
    expect(await page.locator('#comments b').count()).toBe(0);
    await shot('4-comment');
  });

  it('deletes the video after a confirmation', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#videos li:has-text("Test pattern") .delete');
    await page.waitForSelector('#videos li:has-text("Test pattern")', { state: 'detached' });
    await shot('5-deleted');
  });
});
