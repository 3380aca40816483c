import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mp4Bytes } from '../../../test/support/files.js';
import { memoryKind } from '../../../test/support/stores.js';
import { docExamples } from './doc-examples.js';
import { useClientServer } from './support.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('docs/client.md', () => {
  const { served } = useClientServer(memoryKind);

  it('runs every js example', async () => {
    const { examples, unmarked } = await docExamples();
    expect(unmarked).toEqual([]);
    expect(examples.map((example) => `${example.runtime}:${example.language}`)).toEqual([
      'node:js',
      'browser:html',
      'browser:js',
      'node:js',
    ]);
  });

  /**
   * Runs the `index`th Node example with `files` in its working directory; its output lines. The
   * example imports '@vodkit/client' as a user would: from inside the package, that name resolves
   * to the package itself, through its exports map, to dist/.
   */
  async function runNodeExample(index: number, files: Record<string, Uint8Array>): Promise<string[]> {
    if (!existsSync(join(packageDir, 'dist/node.js'))) throw new Error('Build first: pnpm build');
    const { examples } = await docExamples();
    const code = examples.filter((example) => example.runtime === 'node')[index]?.code ?? '';
    const scripts = join(packageDir, '.doc-examples');
    await mkdir(scripts, { recursive: true });
    const script = join(scripts, `node-${process.pid}-${index}.mjs`);
    await writeFile(script, code);
    const cwd = await mkdtemp(join(tmpdir(), 'vodkit-doc-'));
    try {
      for (const [name, bytes] of Object.entries(files)) await writeFile(join(cwd, name), bytes);
      const { stdout } = await run(process.execPath, [script], {
        cwd,
        env: { ...process.env, VODKIT_URL: served.url },
      });
      return stdout.trim().split('\n');
    } finally {
      await rm(script, { force: true });
      await rm(cwd, { recursive: true, force: true });
    }
  }

  it('runs the Node example against a real server, on the built package', async () => {
    const bytes = mp4Bytes(300_000);
    const lines = await runNodeExample(0, { 'holiday.mp4': bytes });
    expect(lines).toContain(`sent ${bytes.length} of ${bytes.length} bytes`);
    expect(lines.find((line) => line.startsWith('ready: '))).toMatch(
      new RegExp(`^ready: ${served.url}/stream/videos/[0-9a-f-]{36}$`),
    );
    expect(lines).toContain(`got bytes 0-1023/${bytes.length}`);
    expect(lines.some((line) => /^alice_\d+: First!$/.test(line))).toBe(true);
    expect(lines).toContain('not found: No such video.');
  });

  it('runs the resumable upload example: paused half-way, then resumed from where the server is', async () => {
    const bytes = mp4Bytes(1_000_000);
    const lines = await runNodeExample(1, { 'trip.mp4': bytes });
    expect(lines[0]).toBe('paused');
    const sent = lines.slice(1, -1).map((line) => Number(/^resumed: (\d+) of 1000000 bytes$/.exec(line)?.[1]));
    // The second call starts at the chunks the server kept (at least half the file), not at 0.
    expect(sent[0]).toBeGreaterThanOrEqual(500_000);
    expect(sent.at(-1)).toBe(bytes.length);
    expect(lines.at(-1)).toBe(`ready: ${bytes.length} bytes`);
  });
});
