import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { bunCli, nodeCli, passedOn, useSqliteCli } from './support.js';

/**
 * A SQLite file vodkit cannot use stops the start: exit 1 and one line on stderr that names the
 * flag and says why, never a stack trace.
 */
describe.each([
  ['vodkit', nodeCli],
  ['vodkit-bun', bunCli],
] as [string, CliCommand][])('%s on a database it cannot use', (bin, command) => {
  const { newDataDir, launch } = useSqliteCli();

  const refused = async (args: string[], why: RegExp, flag = /--database-url/) => {
    const run = launch(command.runtime, [command.cli, '--port', '0', ...args], passedOn());
    expect(await run.exit, run.stdout).toEqual({ code: 1, signal: null });
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${bin}: `));
    expect(lines[0]).toMatch(flag);
    expect(lines[0]).toMatch(why);
    expect(run.stdout).not.toMatch(/listening/);
    return lines[0];
  };

  it('refuses a default database file that is not SQLite', async () => {
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, 'vodkit.db'), randomBytes(8192));
    await refused(['--data-dir', dataDir], /not a database/, /--database-url|--data-dir/);
  });

  it('refuses a sqlite: file that is not SQLite', async () => {
    const dataDir = newDataDir();
    const file = join(dataDir, 'other.db');
    writeFileSync(file, randomBytes(8192));
    await refused(['--data-dir', dataDir, '--database-url', `sqlite:${file}`], /not a database/);
  });

  it('refuses a sqlite: path that is a directory', async () => {
    const dataDir = newDataDir();
    const dir = join(dataDir, 'a-directory.db');
    mkdirSync(dir);
    await refused(['--data-dir', dataDir, '--database-url', `sqlite:${dir}`], /open|directory/i);
  });

  // (A file closed by its permissions cannot be shown here: the tests run as root, which opens
  // anything, and a checkout under a 0700 temp dir is closed to any other user.)
  it('refuses a sqlite: path whose directory is a file', async () => {
    const dataDir = newDataDir();
    const plain = join(dataDir, 'plain-file');
    writeFileSync(plain, 'not a directory');
    await refused(['--data-dir', dataDir, '--database-url', `sqlite:${join(plain, 'vodkit.db')}`], /open|directory/i);
  });
});
