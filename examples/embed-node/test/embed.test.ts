import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scryptPasswords } from '@vodkit/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { createEmbedServer } from '../src/server.mjs';

type App = Awaited<ReturnType<typeof createEmbedServer>>;

/** The example app on a free port, over the default store (SQLite in its data dir) or a fresh MySQL database. */
function embedSuite(open: () => Promise<{ databaseUrl: string | undefined; drop(): Promise<void> }>) {
  let app: App;
  let base: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await open();
    drop = db.drop;
    // Cheap scrypt: the test is about routing, not hashing cost.
    app = await createEmbedServer({
      databaseUrl: db.databaseUrl,
      dataDir: await mkdtemp(join(tmpdir(), 'vodkit-embed-')),
      passwords: scryptPasswords({ N: 1024 }),
    });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it("serves the app's own pages", async () => {
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await home.text()).toContain('My video site');

    const about = await fetch(`${base}/about`);
    expect(about.status).toBe(200);
    expect(await about.text()).toContain('<h1>About</h1>');
  });

  it("answers an unknown path outside vodkit's with the app's own 404", async () => {
    for (const path of ['/nope', '/apis', '/api-docs', '/healthz/extra']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toBe('text/plain; charset=utf-8');
      expect(await response.text(), path).toBe(`Not found: ${path}\n`);
    }
  });

  it("hands vodkit's paths to vodkit: register, then read the user back", async () => {
    const registered = await fetch(`${base}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_name: 'embedded_alice', pwd: 'correct horse battery' }),
    });
    expect(registered.status).toBe(201);
    const grant = (await registered.json()) as { user_name: string; session_id: string };
    expect(grant.user_name).toBe('embedded_alice');

    const user = await fetch(`${base}/api/user/embedded_alice`, { headers: { 'x-session-id': grant.session_id } });
    expect(user.status).toBe(200);
    expect(user.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await user.json()).toMatchObject({ user_name: 'embedded_alice' });

    const anonymous = await fetch(`${base}/api/user/embedded_alice`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('serves /healthz from vodkit', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { store: 'ok' } });
  });

  it("answers unknown paths under vodkit's prefixes with vodkit's JSON 404", async () => {
    const response = await fetch(`${base}/api/no-such-route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
}

describe('examples/embed-node on the default store (SQLite)', () => {
  embedSuite(async () => ({ databaseUrl: undefined, drop: async () => {} }));
});

describeMysql('examples/embed-node on MySQL', (serverUrl) => {
  embedSuite(async () => {
    const db: TestDatabase = await freshDatabase(serverUrl);
    return { databaseUrl: db.url, drop: db.drop };
  });
});
