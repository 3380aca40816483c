import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../test/support/browser.js';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/** The message a build failed with; fails the test when it succeeded. */
async function failureOf(building: Promise<unknown>): Promise<string> {
  const error = await building.then(
    () => expect.fail('the bundle was built'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

describe('client: browser bundle', () => {
  it('bundles the browser entry with no Node import', async () => {
    const code = await bundleForBrowser(src('browser.ts'));
    expect(code).toContain('createVodkitClient');
    expect(code).toContain('XMLHttpRequest');
    expect(code).not.toMatch(/["']node:/);
    // No CommonJS require left to a bundler's runtime (esbuild's own __require wrappers are fine).
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toContain('undici');
    // tus-js-client's browser build (XMLHttpRequest), which its `browser` field maps the Node build to.
    expect(code).toContain('XHRHttpStack');
    expect(code).not.toContain('NodeHttpStack');
  });

  // Proves the check above can fail: the Node entry is built on undici and node:fs.
  it('refuses the Node entry, naming the Node-only import and its importer', async () => {
    const message = await failureOf(bundleForBrowser(src('node.ts')));
    expect(message).toContain(`"undici" is Node-only, imported by ${src('node.ts')}`);
    expect(message).toMatch(/"node:fs" is Node-only, imported by .*node\/upload-[a-z-]+\.ts/);
  });

  // What an application's bundler does: `@vodkit/client` by name, through the exports map's
  // `browser` condition, to the built files (pnpm test builds first), shared chunks included.
  it('bundles the published package by name for the browser', async () => {
    const code = await bundleForBrowser(
      { contents: "export { createVodkitClient, unwrap } from '@vodkit/client';" },
      { alias: {} },
    );
    expect(code).toContain('XMLHttpRequest');
    expect(code).not.toContain('undici');
    expect(code).toContain('XHRHttpStack');
    expect(code).not.toContain('NodeHttpStack');
  });

  it('refuses a bare built-in name too', async () => {
    const message = await failureOf(
      bundleForBrowser({ contents: "import { readFile } from 'fs'; export { readFile };" }),
    );
    expect(message).toMatch(/"fs" is Node-only/);
  });
});
