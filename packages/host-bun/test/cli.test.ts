import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bunBinary } from '../../../test/support/bun.js';
import { useCli } from '../../../test/support/cli.js';
import { eventually, mp4Bytes } from '../../../test/support/files.js';

const { run, listening } = useCli({
  runtime: bunBinary,
  cli: fileURLToPath(new URL('../dist/cli.js', import.meta.url)),
});

// The HTTP behaviour of the Bun host is checked by the conformance suite (test/conformance);
// these are the command's own promises: the Node host's flags, its errors, its stop.
describe('vodkit-bun CLI', () => {
  it.each([
    [['--port', 'http'], {}, '--port'],
    [[], { VODKIT_STREAM_TOKENS: '0' }, '--stream-tokens'],
    [['--database-url', 'postgres://localhost/db'], {}, '--database-url'],
    [['--no-such-flag'], {}, 'no-such-flag'],
  ] as [string[], Record<string, string>, string][])('%j %j stops with one line naming %s', async (args, env, flag) => {
    const started = run(args, env);
    expect(await started.exit).toBe(2);
    const lines = started.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vodkit-bun: /);
    expect(lines[0]).toContain(flag);
  });

  it('prints its help', async () => {
    const started = run(['--help']);
    expect(await started.exit).toBe(0);
    expect(started.stdout).toMatch(/^Usage: vodkit-bun \[options\]/);
    expect(started.stdout).toContain('--scheduler-token');
  });

  it('refuses a port in use with one line', async () => {
    const first = run(['--port', '0']);
    const port = new URL(await listening(first)).port;
    const second = run(['--port', port]);
    expect(await second.exit).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^vodkit-bun: --port: cannot listen on/)]);
  });

  it('serves, shows a generated scheduler token once, and stops on SIGTERM with uploads of more than 128 MiB allowed', async () => {
    const started = run(['--port', '0'], { VODKIT_MAX_UPLOAD_BYTES: String(200 * 1024 ** 2) });
    const url = await listening(started);
    // The token line follows the "listening" line; it may arrive a moment later.
    const tokenLine = /scheduler token \(generated at start; pass --scheduler-token to fix it\): \S{20,}/;
    await eventually('the generated token is printed', () => tokenLine.test(started.stdout));
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', services: ['api', 'stream', 'scheduler'] });

    // Bun's own body limit (128 MiB by default) must not cut uploads off before vodkit's.
    const grant = await fetch(`${url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_name: 'big_uploader', pwd: 'correct horse battery' }),
    }).then((response) => response.json());
    const video = await fetch(`${url}/api/user/big_uploader/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-id': grant.session_id },
      body: JSON.stringify({ name: 'big' }),
    }).then((response) => response.json());
    const size = 130 * 1024 ** 2;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === size) return controller.close();
        const piece =
          sent === 0 ? new Uint8Array(mp4Bytes(1024 ** 2)) : new Uint8Array(Math.min(1024 ** 2, size - sent));
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
    });
    const uploaded = await fetch(`${url}/upload/videos/${video.id}`, {
      method: 'POST',
      headers: { 'content-type': 'video/mp4', 'x-session-id': grant.session_id },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(uploaded.status).toBe(200);
    expect(await uploaded.json()).toMatchObject({ status: 'ready', size });

    started.child.kill('SIGTERM');
    expect(await started.exit).toBe(0);
  }, 60_000);
});
