// `pnpm start`, `start:bun` and `start:web`: build what is out of date, JavaScript only, then run
// the CLI. Running needs no type declarations, and a package whose sources did not change since
// its last build is not built again, so a second start serves within a second or two.
// Usage: node scripts/start.mjs <node|bun> [--web] [vodkit flags…]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [runtime = 'node', ...flags] = process.argv.slice(2);
const web = flags.includes('--web');

/** What each start needs, in build order. */
const packages = [
  'packages/contract',
  'packages/core',
  ...(web ? ['packages/client', 'examples/web'] : []),
  runtime === 'bun' ? 'packages/host-bun' : 'packages/host-node',
];

/** Newest modification time under `path`, tests and build output left out. @param {string} path */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.test\.ts$/.test(path) ? 0 : stat.mtimeMs;
  let time = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
    time = Math.max(time, newest(join(path, name)));
  }
  return time;
}

/** Oldest output file of a build, or 0 when there is none. @param {string} dir */
function oldestOutput(dir) {
  const outputs = existsSync(dir) ? readdirSync(dir).filter((name) => /\.(c|m)?js$|\.html$/.test(name)) : [];
  return outputs.length === 0 ? 0 : Math.min(...outputs.map((name) => statSync(join(dir, name)).mtimeMs));
}

const tsupWithoutDeclarations =
  "import { build } from 'tsup'; await build({ dts: false, clean: false, silent: true });";

/**
 * Packages build with their dependencies external, except the page, which bundles these.
 * @type {Record<string, string[]>}
 */
const bundled = { 'examples/web': ['packages/client/src', 'packages/contract/src'] };

for (const pkg of packages) {
  const dir = join(root, pkg);
  const inputs = Math.max(newest(dir), ...(bundled[pkg] ?? []).map((source) => newest(join(root, source))));
  if (inputs < oldestOutput(join(dir, 'dist'))) continue;
  const started = performance.now();
  // Each build in its own process: esbuild resolves entries against the directory it started in.
  const build =
    pkg === 'examples/web'
      ? spawnSync(join(dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: dir, stdio: 'inherit' })
      : // The package's own tsup.config.ts, without declarations: they only matter to publishing.
        spawnSync(process.execPath, ['--input-type=module', '-e', tsupWithoutDeclarations], {
          cwd: dir,
          stdio: 'inherit',
        });
  if (build.status !== 0) process.exit(build.status ?? 1);
  process.stderr.write(`built ${pkg} in ${Math.round(performance.now() - started)} ms\n`);
}
if (runtime === 'bun') {
  // The binary itself: node_modules/.bin/bun is an sh wrapper, and Ctrl-C would kill the sh.
  const bun = join(dirname(createRequire(import.meta.url).resolve('bun/package.json')), 'bin', 'bun.exe');
  const child = spawn(bun, [join(root, 'packages/host-bun/dist/cli.js'), ...flags], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal; a stop sent to this process alone is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const cli = join(root, 'packages/host-node/dist/cli.js');
  process.argv = [process.execPath, cli, ...flags];
  await import(pathToFileURL(cli).href);
}
