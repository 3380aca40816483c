import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { bunCli, type CliCommand, nodeCli } from '../support/cli.js';
import { type Answer, send } from '../support/fault-http.js';
import { cliArgs, type Launched, listeningUrl, useProcesses } from '../support/processes.js';

export { bunCli, nodeCli };

/** The fixture MP4 the web example's tests upload: a real clip, 290 KB. */
export const clipPath = fileURLToPath(new URL('../../examples/web/test/fixtures/clip.mp4', import.meta.url));
export const readClip = () => readFile(clipPath);

/**
 * What the bare environment of a CLI keeps of this one: the better-sqlite3 build for another Node
 * (scripts/test-node24.sh sets it), so a run under Node 24 starts its CLIs on Node 24 too.
 */
export const passedOn = (): Record<string, string> => {
  const binding = process.env.VODKIT_BETTER_SQLITE3_BINDING;
  return binding ? { VODKIT_BETTER_SQLITE3_BINDING: binding } : {};
};

/** A CLI this file started, where it listens, and its graceful stop. */
export interface Running {
  run: Launched;
  url: string;
  /** SIGTERM, then the exit: 0, as the command promises. */
  stop(): Promise<void>;
}

/**
 * CLIs on data dirs of their own (each with its SQLite default, `<data-dir>/vodkit.db`): the
 * dirs are removed after the file, whatever still runs is killed after each test.
 */
export function useSqliteCli() {
  const { launch } = useProcesses();
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vodkit-processes-'));
    dirs.push(dir);
    return dir;
  };

  /** `command --port 0 --data-dir <dataDir> ...args`, once it listens. */
  const start = async (
    command: CliCommand,
    dataDir: string,
    args: string[] = [],
    env: Record<string, string> = {},
  ): Promise<Running> => {
    const [runtime, ...rest] = cliArgs(command, ['--port', '0', '--data-dir', dataDir, ...args]);
    const run = launch(runtime as string, rest, { ...passedOn(), ...env });
    const url = await listeningUrl(run);
    return {
      run,
      url,
      async stop() {
        run.child.kill('SIGTERM');
        expect(await run.exit, run.stderr).toEqual({ code: 0, signal: null });
      },
    };
  };

  return { newDataDir, start, launch };
}

/** The store the listening line names: `sqlite` for the default. */
export const storeOf = (running: Running) => /"store":"([^"]+)"/.exec(running.run.stdout)?.[1];

/** Asserts the status, saying what came back otherwise. */
export function expectStatus(answer: Answer, status: number) {
  expect(answer.status, `${answer.status} ${answer.bytes.toString('utf8').slice(0, 300)}`).toBe(status);
  return answer;
}

/** POST /api/videos/:vid/comments as the session's user. */
export const postComment = (base: string, vid: string, session: string, content: string) =>
  send(base, `/api/videos/${vid}/comments`, { method: 'POST', session, json: { content } });

/** Every row of a paged list (`videos` or `comments`), following `next_cursor`. */
export async function readAll(base: string, path: string, key: 'videos' | 'comments') {
  // biome-ignore lint/suspicious/noExplicitAny: rows are checked field by field by the tests
  const rows: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const query: string = `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = expectStatus(await send(base, `${path}${query}`), 200);
    rows.push(...page.body[key]);
    cursor = page.body.next_cursor;
    if (!cursor) return rows;
  }
  throw new Error(`${path}: paging did not end`);
}

/** Runs `work` over `items`, `concurrency` at a time; the results in order. */
export async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
