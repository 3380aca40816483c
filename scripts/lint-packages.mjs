// `pnpm lint:packages`: packs every publishable package (packages/*, not private) the way
// `pnpm publish` would, then lints each tarball with publint (package.json against the files it
// ships) and @arethetypeswrong/cli (its types under each TypeScript module resolution, CJS and ESM).
// Lints the built dist: run `pnpm build` first. Exits 1 if any check fails.
// Usage: node scripts/lint-packages.mjs [package-dir-name…]   e.g. `client core`
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (/** @type {string} */ name) => join(root, 'node_modules', '.bin', name);
// attw colours its tables even into a pipe: plain text for logs, colours in a terminal.
const env = process.stdout.isTTY ? process.env : { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

/**
 * attw options by package. @vodkit/host-bun is a Bun program and library, ESM only (Bun runs
 * ESM, and its dist imports `bun`): `esm-only` leaves out the `require` resolution from CJS
 * under node16, which would otherwise flag "CJS resolves to ESM" for a consumer that cannot exist.
 * @type {Record<string, string[]>}
 */
const attwOptions = {
  'host-bun': ['--profile', 'esm-only'],
};

const only = process.argv.slice(2);
const packages = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')).private)
  .filter((dir) => only.length === 0 || only.includes(dir));

const missing = packages.filter((dir) => !existsSync(join(root, 'packages', dir, 'dist')));
if (missing.length > 0) {
  console.error(`lint-packages: no dist/ in ${missing.map((dir) => `packages/${dir}`).join(', ')}: run \`pnpm build\``);
  process.exit(1);
}

/**
 * One command's output and whether it succeeded (a non-zero exit is a failed check, not a throw).
 * @param {string} file
 * @param {string[]} args
 * @param {string} [cwd]
 */
async function check(file, args, cwd = root) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

const dest = mkdtempSync(join(tmpdir(), 'vodkit-lint-packages-'));
let failures = 0;
try {
  // Packed at once, linted at once; each package's report is printed whole, in order.
  const reports = await Promise.all(
    packages.map(async (dir) => {
      // pnpm pack writes the package.json a publish would (workspace:* made real versions).
      const packed = await run('pnpm', ['pack', '--json', '--pack-destination', dest], {
        cwd: join(root, 'packages', dir),
      });
      const { filename } = JSON.parse(packed.stdout);
      const [publint, attw] = await Promise.all([
        check(bin('publint'), ['--strict', filename]),
        check(bin('attw'), [...(attwOptions[dir] ?? []), '--format', 'table-flipped', filename]),
      ]);
      return { dir, publint, attw };
    }),
  );
  for (const { dir, publint, attw } of reports) {
    console.log(`\n=== packages/${dir}`);
    console.log(`--- publint${publint.ok ? '' : ' FAILED'}\n${publint.output.trim()}`);
    console.log(`--- attw${attw.ok ? '' : ' FAILED'}\n${attw.output.trim()}`);
    if (!publint.ok) failures++;
    if (!attw.ok) failures++;
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
console.log(failures === 0 ? '\nlint-packages: all clean' : `\nlint-packages: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
