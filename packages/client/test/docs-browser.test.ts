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
import { mp4Bytes } from '../../../test/support/files.js';
import { docExamples } from './doc-examples.js';

const MB = 1024 * 1024;

describeBrowser('docs/client.md: the browser example in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: PageVodkit;
  let site: PageServer;

  beforeAll(async () => {
    const { examples } = await docExamples();
    const html = examples.find((example) => example.runtime === 'browser' && example.language === 'html')?.code;
    const js = examples.find((example) => example.runtime === 'browser' && example.language === 'js')?.code;
    if (!html || !js) throw new Error('docs/client.md has no browser example');
    server = await memoryVodkit();
    site = await servePage({
      vodkit: server.vodkit,
      html: `<!doctype html><meta charset="utf-8"><title>example</title>${html}<script type="module" src="/app.js"></script>`,
      scripts: { '/app.js': await bundleForBrowser({ contents: js }) },
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await server?.close();
  });

  const pick = (size: number) =>
    page.setInputFiles('input[name=file]', { name: 'holiday.mp4', mimeType: 'video/mp4', buffer: mp4Bytes(size) });

  it('signs up, uploads with progress and plays the video', async () => {
    await page.goto(site.url);
    await page.fill('input[name=user_name]', `doc_${process.pid}`);
    await page.fill('input[name=pwd]', 'correct horse battery');
    await pick(2 * MB);
    await page.click('text=Upload');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Ready');
    expect(await page.$eval('#progress', (bar) => (bar as HTMLProgressElement).value)).toBe(1);
    const src = await page.$eval('#player', (video) => (video as HTMLVideoElement).src);
    expect(src).toMatch(new RegExp(`^${site.url}stream/videos/[0-9a-f-]{36}$`));
    expect(await page.evaluate(() => localStorage.getItem('vodkit.session'))).toMatch(/^[\w-]{43}$/);
  });

  it('keeps the session across a reload and cancels an upload', async () => {
    await page.reload();
    // Signed in from localStorage: the form's credentials are not checked again.
    await page.fill('input[name=user_name]', `doc_${process.pid}`);
    await page.fill('input[name=pwd]', 'not checked again');
    await throttleUploads(page, MB);
    await pick(6 * MB);
    await page.click('text=Upload');
    await page.waitForFunction(() => /^\d+ %/.test(document.querySelector('#status')?.textContent ?? ''));
    await page.click('#cancel');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'Cancelled');
    await throttleUploads(page, undefined);
  });
});
