// The size of @vodkit/client in a web app: its browser entry bundled for the browser platform with
// every dependency inside (the contract, zod, @ts-rest/core), as a bundler builds an app.
//
//   pnpm build && pnpm size:client
//
// It bundles the built package by name, through its exports map, as the client's browser-bundle test
// does (packages/client/test/browser-bundle.test.ts). Every export is kept, so this is what the whole
// client costs; an app that imports less gets less.

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
console.log('minified, by package:');
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(20)} ${kib(bytes)}`);
}
