import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bunBinary } from '../../../test/support/bun.js';

const suite = fileURLToPath(new URL('./bun/sqlite-store.bun-test.ts', import.meta.url));
const built = ['../dist/index.js', '../../core/dist/testing.js'].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

/**
 * The store suite has this many tests or more: a run that registers none (an import the shim of
 * `bun test` drops, a suite that stops registering) passes with exit 0, and must fail here.
 */
const AT_LEAST = 70;

describe('the SQLite store on bun:sqlite', () => {
  it(`passes the store suite under \`bun test\` (${AT_LEAST} tests or more)`, async () => {
    for (const file of built) if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first.`);
    // bun test maps the suite's `vitest` imports to bun:test; the suite runs on the built packages.
    const child = spawn(bunBinary, ['test', '--timeout', '20000', suite], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once(child, 'exit');
    const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, 'm').exec(output)?.[1] ?? 0);
    const failures = output
      .split('\n')
      .filter((line) => line.startsWith('(fail)'))
      .join('\n');
    expect(code, failures || output.slice(-3000)).toBe(0);
    expect(count('fail')).toBe(0);
    expect(count('pass'), output.slice(-3000)).toBeGreaterThanOrEqual(AT_LEAST);
  }, 120_000);
});
