// Real-browser tests: headless Chromium (playwright-core, the system's Chromium), code bundled
// for the browser platform with esbuild, and vodkit served on the page's own origin.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@vodkit/core';
import { type FetchHandler, getRequestListener } from '@vodkit/host-node';
import { build, type Plugin } from 'esbuild';
import { type Browser, type CDPSession, chromium, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/** The Chromium the browser suites drive: CHROMIUM_PATH, else Debian's package. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * `describe` for suites that need Chromium. Without it they skip and say so (the README's test
 * command must work on a machine with only Node); under CI a skipped browser suite fails instead.
 */
export function describeBrowser(name: string, suite: () => void) {
  if (existsSync(chromiumPath)) return describe(name, suite);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`CI is set but ${chromiumPath} is missing: the browser suites cannot be skipped in CI.`);
      });
    });
  }
  console.warn(
    `[vodkit] skipping browser suite "${name}": install Chromium (apt-get install chromium) or set CHROMIUM_PATH`,
  );
  return describe.skip(name, suite);
}

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * Headless Chromium from the system (CHROMIUM_PATH, else the Debian package's path): no
 * browser download. Without the background-networking flags Chromium stalls on this
 * closed network trying to reach Google's services.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-quic',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

const devTools = new WeakMap<Page, Promise<CDPSession>>();

/**
 * Caps the page's upload rate (bytes per second; undefined lifts the cap) through the DevTools
 * protocol. On loopback a file of several MB goes in well under Chromium's 100 ms between upload
 * progress reports, so a test that needs several progress events, or to act mid-upload, slows it.
 * The session stays open with the page: detaching it would lift the cap.
 */
export async function throttleUploads(page: Page, bytesPerSecond: number | undefined): Promise<void> {
  let opening = devTools.get(page);
  if (!opening) {
    opening = page.context().newCDPSession(page);
    devTools.set(page, opening);
  }
  const cdp = await opening;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond ?? -1,
  });
}

/** The packages a browser bundle takes from the sources, as the vitest config does for Node. */
export const sourceAliases: Record<string, string> = {
  '@vodkit/client': repo('packages/client/src/browser.ts'),
  '@vodkit/contract': repo('packages/contract/src/index.ts'),
};

const nodeOnly = new RegExp(
  `^(node:.*|undici(/.*)?|(${builtinModules
    .filter((name) => !name.startsWith('_'))
    .map((name) => name.replace(/[/.]/g, '\\$&'))
    .join('|')})(/.*)?)$`,
);

/**
 * Fails the build on any import of a Node built-in (`node:*` or a bare name like `fs`) or of
 * undici, naming the importer: a browser bundle that reaches one would break (or need a
 * polyfill) in every real browser.
 */
export const noNodeImports: Plugin = {
  name: 'no-node-imports',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: nodeOnly }, ({ path, importer }) => ({
      errors: [{ text: `"${path}" is Node-only, imported by ${importer || '(the entry)'}` }],
    }));
  },
};

export interface BundleOptions {
  /** Package names mapped to files; default `sourceAliases`. An alias also maps the name's subpaths. */
  alias?: Record<string, string>;
}

/**
 * Bundles a module for the browser (ESM, ES2022) in memory: `entry` is a file path, or
 * `{ contents }` for a small entry written in the test (its imports resolve from the repository
 * root). Rejects when a Node-only module is imported anywhere in the graph.
 */
export async function bundleForBrowser(
  entry: string | { contents: string },
  { alias = sourceAliases }: BundleOptions = {},
): Promise<string> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: repo('.'), loader: 'ts', sourcefile: 'entry.ts' } }),
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    alias,
    plugins: [noNodeImports],
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no output');
  return output.text;
}

export interface PageServer {
  /** `http://127.0.0.1:<port>/`, the page. */
  url: string;
  close(): Promise<void>;
}

export interface PageOptions {
  vodkit: FetchHandler;
  /** Answered at `/`. */
  html: string;
  /** JavaScript answered by path, e.g. `{ '/app.js': bundle }`. */
  scripts?: Record<string, string>;
}

/**
 * One node:http server for the page, its scripts and vodkit (every other path): one origin, so
 * the browser sends no CORS preflight and the client runs as it would behind a single host.
 */
export async function servePage({ vodkit, html, scripts = {} }: PageOptions): Promise<PageServer> {
  const listener = getRequestListener(vodkit, { logger: silentLogger });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const script = scripts[path];
    if (path === '/' || script !== undefined) {
      res.writeHead(200, {
        'content-type': script === undefined ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(script ?? html);
      return;
    }
    void listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        // The browser's keep-alive connections would hold close() open.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { memoryVodkit, type PageVodkit } from './memory-vodkit.js';
