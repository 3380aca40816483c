import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bunBinary } from '../../../test/support/bun.js';
import { useCli } from '../../../test/support/cli.js';
import { eventually } from '../../../test/support/files.js';

const { run, listening } = useCli({
  runtime: bunBinary,
  cli: fileURLToPath(new URL('./fixtures/failing-app.mjs', import.meta.url)),
});

/** The JSON error lines the host logged. */
const errorLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.includes('"level":"error"'))
    .map((line) => JSON.parse(line));

describe('the Bun host logs a failed request with its error', () => {
  it('message and stack, method and URL; a 500 in the one error shape; and it keeps serving', async () => {
    const started = run([]);
    const url = await listening(started);
    for (const path of ['/throws', '/throws-null', '/file-gone']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
    }
    expect(await (await fetch(`${url}/fine`)).text()).toBe('ok');
    await eventually('three error lines', () => errorLines(started.stderr).length === 3);
    const [thrown, nothing, gone] = errorLines(started.stderr);
    expect(thrown).toMatchObject({ message: 'response failed', method: 'GET', error: 'Error: the app broke' });
    expect(thrown.url).toMatch(/\/throws$/);
    expect(thrown.stack).toMatch(/the app broke\n\s+at /);
    expect(nothing).toMatchObject({ message: 'response failed', error: 'null' });
    // Bun's error for a file it cannot send has a message and a code, and no stack.
    expect(gone).toMatchObject({ message: 'response failed', code: 'ENOENT' });
    expect(gone.error).toContain('/nonexistent/vodkit-video');
  });
});
