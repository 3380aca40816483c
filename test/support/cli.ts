import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { bunBinary } from './bun.js';

/** Which CLI to run: a runtime and a built script. Default: `vodkit` on Node. */
export interface CliCommand {
  runtime: string;
  cli: string;
}

export const nodeCli: CliCommand = {
  runtime: process.execPath,
  cli: fileURLToPath(new URL('../../packages/host-node/dist/cli.js', import.meta.url)),
};

/** The built `vodkit-bun` command, run by Bun from the `bun` dev dependency. */
export const bunCli: CliCommand = {
  runtime: bunBinary,
  cli: fileURLToPath(new URL('../../packages/host-bun/dist/cli.js', import.meta.url)),
};

export interface CliRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

/**
 * Runs of a built CLI (`vodkit` on Node by default) for one test file: each with a clean environment
 * (PATH and a temporary data dir) plus what the test adds; every process still
 * running after a test is killed, and the data dir removed after the file.
 */
export function useCli({ runtime, cli }: CliCommand = nodeCli) {
  const dataDir = mkdtempSync(join(tmpdir(), 'vodkit-cli-'));
  const children: ChildProcess[] = [];
  const forFile: ChildProcess[] = [];
  const kill = (list: ChildProcess[]) => {
    for (const child of list.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  };
  afterEach(() => kill(children));
  afterAll(() => {
    kill(forFile);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts the CLI; it is killed after the test, or after the file with `{ forFile: true }`. */
  const run = (args: string[], env: Record<string, string> = {}, { forFile: keep = false } = {}): CliRun => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm build\` first (\`pnpm test\` does).`);
    const child = spawn(runtime, [cli, ...args], {
      env: { PATH: process.env.PATH ?? '', VODKIT_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    (keep ? forFile : children).push(child);
    const result: CliRun = {
      child,
      stdout: '',
      stderr: '',
      exit: once(child, 'exit').then(([code]) => code as number | null),
    };
    child.stdout?.on('data', (chunk) => {
      result.stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      result.stderr += chunk;
    });
    return result;
  };

  /** Resolves with the URL the CLI printed once it listens. */
  const listening = async (started: CliRun): Promise<string> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const url = /listening on (http:\/\/[^"\s]+)/.exec(started.stdout)?.[1];
      if (url) return url;
      if (started.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the CLI did not start: ${started.stderr || started.stdout}`);
  };

  return { run, listening, dataDir };
}

/**
 * A register request with half its body sent, in the server's hands once this resolves: while
 * the rest is held back, a graceful stop waits for it (up to the shutdown timeout), so the stop
 * lasts exactly as long as the test wants. `finish()` sends the rest; `answered` is the response.
 */
export async function halfRequest(base: string, userName: string) {
  const url = new URL(base);
  const body = JSON.stringify({ user_name: userName, pwd: 'password123' });
  const req = request({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: '/api/register',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  req.on('error', () => {});
  const answered = once(req, 'response').then(([response]) => response as IncomingMessage);
  // A stop cut short resets the connection: only the tests that wait for the answer read it.
  answered.catch(() => {});
  req.write(body.slice(0, 10));
  await sleep(200);
  return { answered, finish: () => void req.end(body.slice(10)) };
}
