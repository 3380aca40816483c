import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bunCli, type CliCommand, nodeCli } from '../support/cli.js';
import { createVideoOf, expectUnavailable, registerUser, send } from '../support/fault-http.js';
import { eventually } from '../support/files.js';
import { describeMysql, freshDatabase, type TestDatabase } from '../support/mysql.js';
import { cliArgs, listeningUrl, useProcesses } from '../support/processes.js';
import { proxyFor, type TcpProxy } from '../support/tcp-proxy.js';

/** 1 s, set by flag on Node and by environment on Bun: far below the 5 s default, so it shows. */
const TIMEOUT_MS = 1000;
const MARGIN_MS = 2000;
/** Past this, an answer is not late but missing: the request hangs. */
const HANG_MS = TIMEOUT_MS + MARGIN_MS + 5000;
/** A process start on two busy cores, on top of the connect timeout. */
const START_MARGIN_MS = 5000;

const hosts: [string, CliCommand, string[], Record<string, string>][] = [
  ['the Node CLI, --database-timeout 1s', nodeCli, ['--database-timeout', '1s'], {}],
  ['the Bun CLI, VODKIT_DATABASE_TIMEOUT=1s', bunCli, [], { VODKIT_DATABASE_TIMEOUT: '1s' }],
];

describe('the timeout flags', () => {
  const { launch } = useProcesses();
  it.each([
    ['--database-timeout', 'soon'],
    ['--shutdown-timeout', 'later'],
  ])('%s %s stops the CLI with one line naming the flag', async (flag, value) => {
    const run = launch(nodeCli.runtime, [nodeCli.cli, flag, value]);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^vodkit: ${flag}`))]);
  });
});

describeMysql('the CLIs with a database timeout, their database frozen or cut', (serverUrl) => {
  const { launch } = useProcesses();
  let database: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    database = await freshDatabase(serverUrl);
    proxy = await proxyFor(serverUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  describe.each(hosts)('%s', (name, command, flags, env) => {
    const start = (more: string[] = []) =>
      launch(
        command.runtime,
        cliArgs(command, ['--port', '0', '--database-url', proxy.via(database.url), ...flags, ...more]).slice(1),
        env,
      );

    it('answers 503 within the timeout while the database is frozen or cut, and recovers by itself', async () => {
      proxy.restore();
      const run = start();
      const url = await listeningUrl(run);
      const owner = await registerUser(url, `${command === nodeCli ? 'node' : 'bun'}_owner`);
      const vid = await createVideoOf(url, owner);

      for (const fault of ['freeze', 'cut'] as const) {
        proxy[fault]();
        // A hang is recorded and the loop goes on, so the cut is tried even when the freeze hangs.
        const answer = await send(url, `/api/videos/${vid}`, { hangMs: HANG_MS }).catch((error: Error) => {
          expect.soft(error.message, `${fault}: the read`).toBe('an answer');
          return undefined;
        });
        if (answer) {
          expectUnavailable(answer);
          expect.soft(answer.ms, `${fault}: time to 503`).toBeLessThanOrEqual(TIMEOUT_MS + MARGIN_MS);
        }
        const health = await send(url, '/healthz', { hangMs: HANG_MS });
        expect.soft(health.status, `${fault}: /healthz`).toBe(503);
        const restoredAt = performance.now();
        proxy.restore();
        await eventually(
          'back after restore',
          async () => (await send(url, `/api/videos/${vid}`)).status === 200,
          15_000,
        );
        const took = answer ? `${Math.round(answer.ms)} ms` : `no answer in ${HANG_MS} ms`;
        const back = Math.round(performance.now() - restoredAt);
        console.log(`[vodkit faults] ${name}: ${fault}: 503 after ${took}, back ${back} ms after restore`);
      }
      expect((await send(url, '/healthz')).status).toBe(200);
    }, 60_000);

    it('does not hang at start on a frozen database: one line naming --database-url, exit 1', async () => {
      proxy.freeze();
      try {
        const startedAt = performance.now();
        const run = start();
        const { code } = await run.exit;
        const ms = performance.now() - startedAt;
        expect(code, run.stderr).toBe(1);
        expect(run.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(/^vodkit(-bun)?: --database-url: cannot open/),
        ]);
        expect(ms, 'time to give up').toBeLessThanOrEqual(TIMEOUT_MS + START_MARGIN_MS);
      } finally {
        proxy.restore();
      }
    }, 60_000);
  });
});
