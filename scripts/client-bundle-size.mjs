// The size of @vodkit/client in a web app: its browser entry bundled for the browser platform with
// every dependency inside (the contract, zod, @ts-rest/core), as a bundler builds an app.
//
//   pnpm build && pnpm size:client
//
// It bundles the built package by name, through its exports map, as the client's browser-bundle test
// does (packages/client/test/browser-bundle.test.ts). Every export is kept, so this is what the whole
// client costs; an app that imports less gets less.
//
// tus-js-client, for resumable uploads, is imported dynamically on the first resumable upload: a
// bundler that splits code (Vite, webpack, esbuild with splitting) puts it in a chunk of its own,
// loaded then. The split build below measures both parts.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = "export * from '@vodkit/client/browser';";

for (const built of ['packages/client/dist/browser.js', 'packages/contract/dist/index.js']) {
  if (!existsSync(new URL(`../${built}`, import.meta.url))) {
    console.error(`${built} is missing: run \`pnpm build\` first.`);
    process.exit(1);
  }
}

/** The bundle, its text and the bytes each input left in it. @param {boolean} minify */
async function bundle(minify) {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'app.js' },
    // Input paths in the metafile are relative to this, wherever the script is run from.
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no output');
  const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  return { bytes: output.contents, inputs };
}

/** The package an input file belongs to: the last node_modules name in its path, else a workspace package. */
function packageOf(/** @type {string} */ path) {
  const fromNodeModules = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/);
  if (fromNodeModules?.[1]) return fromNodeModules[1];
  const workspace = path.match(/^packages\/([^/]+)\//);
  return workspace ? `@vodkit/${workspace[1]}` : path;
}

const kib = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KiB (${bytes} B)`;

/**
 * The same entry built with code splitting: the gzipped bytes of what a page loads at start (the
 * entry and the chunks it imports statically) and of what a dynamic import loads later.
 */
async function split() {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'app.js' },
    absWorkingDir: root,
    bundle: true,
    write: false,
    splitting: true,
    outdir: 'out',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const start = Object.keys(outputs).find((path) => outputs[path]?.entryPoint);
  const initial = new Set();
  const visit = (/** @type {string | undefined} */ path) => {
    if (!path || initial.has(path)) return;
    initial.add(path);
    for (const { path: imported, kind } of outputs[path]?.imports ?? [])
      if (kind === 'import-statement') visit(imported);
  };
  visit(start);
  const gzipped = { initial: 0, lazy: 0 };
  for (const file of result.outputFiles) {
    const path = Object.keys(outputs).find((name) => file.path.endsWith(`/${name}`));
    gzipped[path && initial.has(path) ? 'initial' : 'lazy'] += gzipSync(file.contents, { level: 9 }).byteLength;
  }
  return gzipped;
}

const raw = await bundle(false);
const minified = await bundle(true);
const gzipped = gzipSync(minified.bytes, { level: 9 });

console.log('@vodkit/client/browser, every export, with its dependencies (esbuild, browser, ES2022):');
console.log(`  raw       ${kib(raw.bytes.byteLength)}`);
console.log(`  minified  ${kib(minified.bytes.byteLength)}`);
console.log(`  gzip -9   ${kib(gzipped.byteLength)}`);

/** @type {Map<string, number>} */
const byPackage = new Map();
for (const [path, { bytesInOutput }] of Object.entries(minified.inputs)) {
  if (bytesInOutput === 0) continue;
  const name = packageOf(path);
  byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
}
const parts = await split();
console.log('with code splitting, minified, gzip -9:');
console.log(`  at start                       ${kib(parts.initial)}`);
console.log(`  on the first resumable upload  ${kib(parts.lazy)}`);
console.log('minified, by package:');
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(20)} ${kib(bytes)}`);
}
