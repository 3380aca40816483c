import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CliCommand } from '../support/cli.js';
import { createVideoOf, registerUser, send, splitUpload, uploadBytes } from '../support/fault-http.js';
import { eventually, mp4Bytes } from '../support/files.js';
import { describeMysql, freshDatabase, type TestDatabase } from '../support/mysql.js';
import { childOf, cliArgs, itWithNamespaces, type Launched, listeningUrl, useProcesses } from '../support/processes.js';

const SIZE = 4 * 1024 * 1024;
/** The CLI's grace for requests in flight when it stops; what the SIGTERM cases rely on. */
const SHUTDOWN_MS = 1000;
/** Room for two busy cores; a stop that hangs on the abandoned upload takes far longer. */
const STOP_MARGIN_MS = 4000;

/** The pid a process has in its own PID namespace (the last of NSpid). */
const namespacePid = async (hostPid: number) =>
  Number(
    (await readFile(`/proc/${hostPid}/status`, 'utf8'))
      .match(/^NSpid:\s+([\d\s]+)$/m)?.[1]
      ?.trim()
      .split(/\s+/)
      .pop(),
  );

const partFiles = async (dataDir: string) =>
  (await readdir(join(dataDir, 'tmp')).catch(() => [] as string[])).filter((name) => name.endsWith('.part'));

/** Some bytes of an upload have reached a temporary file. */
const partWithBytes = async (dataDir: string) => {
  for (const name of await partFiles(dataDir)) {
    if ((await stat(join(dataDir, 'tmp', name)).catch(() => undefined))?.size) return true;
  }
  return false;
};

interface Case {
  signal: 'SIGKILL' | 'SIGTERM';
  /** Run as PID 1 of a PID namespace, so the restarted process has the killed one's pid. */
  pid1: boolean;
}

const cases: Case[] = [
  { signal: 'SIGKILL', pid1: false },
  { signal: 'SIGTERM', pid1: false },
  { signal: 'SIGKILL', pid1: true },
  { signal: 'SIGTERM', pid1: true },
];

/**
 * A CLI killed in the middle of an upload, on MySQL with its data dir kept, then started again:
 * no temporary file is left (after SIGTERM already when it exits), and the video, still pending,
 * takes a new upload. With PID 1 in a namespace the restarted process has the dead one's pid,
 * as a container's main process always does, so "is its pid alive" cannot tell its files apart.
 */
export function crashSuite(name: string, command: CliCommand) {
  describeMysql(`${name} killed in the middle of an upload`, (serverUrl) => {
    const { launch } = useProcesses();
    const dirs: string[] = [];
    let database: TestDatabase;
    let users = 0;
    beforeAll(async () => {
      database = await freshDatabase(serverUrl);
    });
    afterAll(async () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    });

    /** The CLI on the file's database and `dataDir`; the pid that gets the signals. */
    const start = async (dataDir: string, pid1: boolean): Promise<{ run: Launched; url: string; pid: number }> => {
      const args = cliArgs(command, [
        '--port',
        '0',
        '--database-url',
        database.url,
        '--data-dir',
        dataDir,
        '--shutdown-timeout',
        `${SHUTDOWN_MS / 1000}s`,
      ]);
      const run = pid1
        ? launch('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ...args])
        : launch(args[0] as string, args.slice(1));
      const url = await listeningUrl(run);
      // unshare ignores SIGTERM and does not pass it on: the signal goes to the CLI itself.
      const pid = pid1 ? await childOf(run.child.pid as number) : (run.child.pid as number);
      return { run, url, pid };
    };

    for (const { signal, pid1 } of cases) {
      const title = `${signal}${pid1 ? ', restarted with the same pid (PID 1 of a namespace)' : ''}: no temporary file after the restart, and the video uploads again`;
      (pid1 ? itWithNamespaces() : it)(
        title,
        async () => {
          const dataDir = mkdtempSync(join(tmpdir(), 'vodkit-crash-'));
          dirs.push(dataDir);
          const first = await start(dataDir, pid1);
          const owner = await registerUser(first.url, `crash${++users}`);
          const vid = await createVideoOf(first.url, owner);
          const upload = splitUpload(first.url, vid, owner.session, mp4Bytes(SIZE), SIZE / 2);
          await eventually('half the upload is on disk', () => partWithBytes(dataDir), 10_000);
          const [part] = await partFiles(dataDir);
          if (pid1) expect(await namespacePid(first.pid), 'the CLI is PID 1 of its namespace').toBe(1);

          const signalled = performance.now();
          process.kill(first.pid, signal);
          const ended = await first.run.exit;
          const stopMs = performance.now() - signalled;
          await upload.answer.catch(() => undefined);
          if (signal === 'SIGTERM') {
            console.log(
              `[vodkit faults] ${name} SIGTERM${pid1 ? ' as PID 1' : ''}: exited ${Math.round(stopMs)} ms after the signal`,
            );
            expect(ended.code, `exit after SIGTERM: ${first.run.stderr}`).toBe(0);
            expect(stopMs, 'stopped within its shutdown grace').toBeLessThanOrEqual(SHUTDOWN_MS + STOP_MARGIN_MS);
            expect(await partFiles(dataDir), 'temporary files once it has exited').toEqual([]);
          } else {
            // Nothing could clean up: the restart is what must.
            expect(await partFiles(dataDir)).toEqual([part]);
          }

          const second = await start(dataDir, pid1);
          await eventually(
            'no temporary file after the restart',
            async () => (await partFiles(dataDir)).length === 0,
            3000,
          );
          const video = await send(second.url, `/api/videos/${vid}`);
          expect({ status: video.status, video: video.body?.status }).toEqual({ status: 200, video: 'pending' });
          const bytes = mp4Bytes(200_000);
          const again = await uploadBytes(second.url, vid, owner.session, bytes);
          expect(again.status, `uploading again: ${again.bytes}`).toBe(200);
          expect(again.body).toMatchObject({ status: 'ready', size: bytes.length });
          const streamed = await send(second.url, `/stream/videos/${vid}`);
          expect(streamed.bytes.equals(bytes)).toBe(true);

          process.kill(second.pid, 'SIGTERM');
          expect((await second.run.exit).code).toBe(0);
        },
        60_000,
      );
    }
  });
}
