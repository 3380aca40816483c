import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bunBinary } from '../../../test/support/bun.js';

describe('serve() of the Bun host', () => {
  it('installs no signal handler: stopping on SIGTERM or SIGINT is the caller’s business', () => {
    const fixture = fileURLToPath(new URL('./fixtures/serve-signals.mjs', import.meta.url));
    const ran = spawnSync(bunBinary, [fixture], { encoding: 'utf8', timeout: 15_000 });
    expect(ran.status, ran.stderr).toBe(0);
    // [SIGTERM, SIGINT] listeners of a fresh Bun process: none before, while serving, or after close().
    expect(JSON.parse(ran.stdout.trim())).toEqual({ before: [0, 0], serving: [0, 0], closed: [0, 0] });
  });
});
