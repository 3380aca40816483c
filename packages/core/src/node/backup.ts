import { closeSync, existsSync, fsyncSync, openSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { OpenSqlite } from '../store/sqlite/driver.js';
import { ConfigError, parseConfig } from './config.js';
import { databaseTarget } from './database-url.js';
import { sqliteOpener } from './open-vodkit.js';
import type { CliHost } from './run-cli.js';

/** A backup that is not attempted: the line says why (exit code 2). */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

/** How long the copy waits for SQLite's lock (a WAL recovery in another process); then it fails. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Writes a consistent copy of the SQLite database `source` to the new file `target` with
 * `VACUUM INTO`: one read transaction, so the copy is the database as of one commit, whatever
 * another process (a running vodkit, in WAL mode) writes meanwhile, which it never blocks. The
 * copy is one self-contained file (no -wal or -shm beside it), compacted, flushed to the disk
 * before this returns. Refuses (BackupRefused) a missing source and an existing target; a failed
 * copy leaves no partial file behind. Returns the copy's size in bytes.
 */
export function backupSqlite(open: OpenSqlite, source: string, target: string): number {
  // Opening would create a missing file: an empty database is no backup.
  if (!existsSync(source)) throw new BackupRefused(`${source} does not exist: nothing to back up`);
  if (!statSync(source).isFile()) throw new BackupRefused(`${source} is not a file`);
  // The target is made here, empty and exclusively (VACUUM INTO writes into an empty file): a file
  // that exists is never touched, and a failed copy removes only what is ours.
  let fd: number;
  try {
    fd = openSync(target, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BackupRefused(`${target} already exists: give a new file`);
    }
    throw error;
  }
  try {
    const db = open(source);
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Also the first read: a file that is not a database fails here.
      if (!db.prepare("SELECT 1 AS found FROM sqlite_master WHERE name = 'vodkit_migrations'").get()) {
        throw new BackupRefused(`${source} is not a vodkit database (no vodkit_migrations table)`);
      }
      db.prepare('VACUUM INTO ?').run(target);
    } finally {
      db.close();
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(target, { force: true });
    throw error;
  }
  closeSync(fd);
  return statSync(target).size;
}

const usage = (bin: string) => `${bin} backup <file> [--data-dir <path>] [--database-url sqlite:<path>]`;

/** What `--help` says of the subcommand, after the server's options. */
export const backupHelp = (bin: string) =>
  [
    'Commands:',
    '',
    `  ${usage(bin)}`,
    '      writes a consistent copy of the SQLite database (default <data-dir>/vodkit.db) to <file>, a new',
    '      file; safe while vodkit runs. Video files are not in it: copy <data-dir>/videos after it.',
    '',
  ].join('\n');

/** A size as people read it: `1.4 MiB`. */
const sizeText = (bytes: number) => {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let size = bytes;
  let unit = -1;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return unit < 0 ? `${bytes} bytes` : `${size.toFixed(1)} ${units[unit]}`;
};

const parseBackupArgs = (argv: string[]) =>
  parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });

/**
 * `vodkit backup <file>`: finds the database as the server does (`--database-url`, `--data-dir`
 * and their variables; default `<data-dir>/vodkit.db`), copies it with `backupSqlite` through the
 * host's driver and prints one line with the file and its size. A refusal (bad arguments, a
 * target that exists, a store that is not SQLite, a missing database) is one line and exit 2; a
 * failed copy one line and exit 1.
 */
export async function runBackup(host: CliHost, argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const fail = (line: string, code: number): never => {
    process.stderr.write(`${host.bin} backup: ${line}\n`);
    process.exit(code);
  };
  let parsed: ReturnType<typeof parseBackupArgs>;
  try {
    parsed = parseBackupArgs(argv);
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]}; usage: ${usage(host.bin)}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(
      [
        `Usage: ${usage(host.bin)}`,
        '',
        'Writes a consistent copy of the SQLite database to <file>, which must not exist: one self-contained',
        'file, taken with VACUUM INTO, safe while vodkit runs and writes. The database is the one the server',
        'opens with the same --database-url and --data-dir (or VODKIT_DATABASE_URL, VODKIT_DATA_DIR): by',
        'default <data-dir>/vodkit.db. The video files (<data-dir>/videos) are not in it: copy them after.',
        'Exit 0 on success, 2 when refused (the file exists, no SQLite database), 1 when the copy fails.',
        '',
      ].join('\n'),
    );
    return;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) return fail(`give one target file; usage: ${usage(host.bin)}`, 2);

  // The server's own parsing, so that the backup reads the database a server with these settings opens.
  const flags = (['data-dir', 'database-url'] as const).flatMap((name) =>
    values[name] === undefined ? [] : [`--${name}`, values[name]],
  );
  let source: string;
  try {
    const config = parseConfig(flags, env);
    const store = databaseTarget(config.databaseUrl, config.dataDir);
    if (store.kind === 'mysql') {
      return fail('the store is MySQL: back it up with mysqldump --single-transaction (see docs/deployment.md)', 2);
    }
    if (store.kind === 'memory') return fail('the store is memory:, kept nowhere: nothing to back up', 2);
    source = store.path;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message, 2);
  }

  const target = resolve(file);
  const open = await sqliteOpener(host.openSqlite);
  let bytes: number;
  try {
    bytes = backupSqlite(open, source, target);
  } catch (error) {
    if (error instanceof BackupRefused) return fail(error.message, 2);
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return fail(`cannot copy ${source} to ${target}: ${message}`, 1);
  }
  process.stdout.write(`${host.bin} backup: wrote ${target} (${sizeText(bytes)}) from ${source}\n`);
}
