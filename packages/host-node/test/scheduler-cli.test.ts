import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useCli } from '../../../test/support/cli.js';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { eventually } from './support/stream.js';

const { run, listening, dataDir } = useCli();

describe('vodkit --services scheduler', () => {
  it('on memory: exits 2 with one line naming --services: nothing else could reach its queue', async () => {
    const started = run(['--port', '0', '--services', 'scheduler', '--database-url', 'memory:']);
    expect(await started.exit).toBe(2);
    const lines = started.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vodkit: /);
    expect(lines[0]).toContain('--services');
    expect(started.stdout).toBe('');
  });

  it('without --database-url runs on the SQLite file of the data directory', async () => {
    const started = run(['--port', '0', '--services', 'scheduler']);
    const url = await listening(started);
    expect(started.stdout).toContain('"store":"sqlite"');
    expect(started.stdout).toContain(`"database":"${join(dataDir, 'vodkit.db')}"`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });
});

describeMysql('vodkit --services scheduler on MySQL', (serverUrl) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('runs the scheduler alone: /healthz, the token route, and the file removed', async () => {
    db = await freshDatabase(serverUrl);
    const token = 'cli-scheduler-token-0123456789';
    const started = run(['--port', '0', '--services', 'scheduler', '--scheduler-token', token], {
      VODKIT_DATABASE_URL: db.url,
    });
    const url = await listening(started);
    // A given token is not printed: only a generated one is.
    expect(started.stdout).not.toContain('scheduler token');

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      services: ['scheduler'],
      scheduler: { queued: 0, dead: 0, dead_video_ids: [] },
    });
    expect((await fetch(`${url}/api/videos/${randomUUID()}`)).status).toBe(404);

    // A file left on disk for an id the database has no video row for.
    const vid = randomUUID();
    mkdirSync(join(dataDir, 'videos'), { recursive: true });
    writeFileSync(join(dataDir, 'videos', vid), 'leftover');
    const wrong = await fetch(`${url}/scheduler/videos/${vid}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer not-it' },
    });
    expect(wrong.status).toBe(401);
    const queued = await fetch(`${url}/scheduler/videos/${vid}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(queued.status).toBe(200);
    expect(await queued.json()).toEqual({ video_id: vid, queued: true });
    await eventually('the file removed', () => !existsSync(join(dataDir, 'videos', vid)), 5000);

    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });

  it('prints a generated token once, and that token works', async () => {
    db = await freshDatabase(serverUrl);
    const started = run(['--port', '0', '--services', 'scheduler'], { VODKIT_DATABASE_URL: db.url });
    const url = await listening(started);
    await eventually('the token printed', () => /scheduler token[^:]*: (\S+)/.test(started.stdout), 5000);
    const token = /scheduler token[^:]*: (\S+)/.exec(started.stdout)?.[1];
    const answer = await fetch(`${url}/scheduler/videos/${randomUUID()}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  });
});
