import { afterEach, describe, expect, it } from 'vitest';
import { halfRequest, useCli } from '../../../test/support/cli.js';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';

const { run, listening } = useCli();

describe('vodkit CLI configuration', () => {
  it.each([
    [['--port', 'http'], {}, '--port'],
    [['--port', '70000'], {}, '--port'],
    [[], { PORT: 'x' }, '--port'],
    [['--services', 'api,video'], {}, '--services'],
    [['--database-url', 'postgres://localhost/db'], {}, '--database-url'],
    [['--max-upload-bytes', 'lots'], {}, '--max-upload-bytes'],
    [['--stream-tokens', '0'], {}, '--stream-tokens'],
    [['--no-such-flag'], {}, 'no-such-flag'],
  ] as [string[], Record<string, string>, string][])('%j %j stops with one line naming %s', async (args, env, flag) => {
    const started = run(args, env);
    expect(await started.exit).toBe(2);
    const lines = started.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vodkit: /);
    expect(lines[0]).toContain(flag);
    expect(started.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable database stops the start with one line and no password in it', async () => {
    const started = run(['--port', '0', '--database-url', 'mysql://root:s3cret@127.0.0.1:1/vodkit']);
    expect(await started.exit).toBe(1);
    expect(started.stderr.trim().split('\n')).toHaveLength(1);
    expect(started.stderr).toContain('--database-url');
    expect(started.stderr).not.toContain('s3cret');
  });

  it('serves on SQLite in the data directory by default and stops on SIGTERM', async () => {
    const started = run(['--port', '0']);
    const url = await listening(started);
    expect(started.stdout).toContain('"store":"sqlite"');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', services: ['api', 'stream', 'scheduler'] });
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('takes its configuration from the environment', async () => {
    const started = run([], { PORT: '0', HOST: '127.0.0.1', VODKIT_SERVICES: 'api' });
    const url = await listening(started);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    started.child.kill('SIGINT');
    expect(await started.exit).toBe(0);
  });
});

describeMysql('vodkit CLI on MySQL', (serverUrl) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('finishes a request in flight on SIGTERM, refuses new ones, then exits 0', async () => {
    db = await freshDatabase(serverUrl);
    const started = run(['--port', '0'], { VODKIT_DATABASE_URL: db.url });
    const url = new URL(await listening(started));

    // Half a request body is on the wire when the signal arrives; the rest follows after it.
    const held = await halfRequest(url.origin, 'inflight');
    started.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${url.origin}/healthz`)).rejects.toThrow();
    held.finish();

    const response = await held.answered;
    expect(response.statusCode).toBe(201);
    response.resume();
    expect(await started.exit).toBe(0);
  });
});
