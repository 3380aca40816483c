import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, it } from 'vitest';
import type { CliCommand } from './cli.js';

export interface Launched {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** How it ended: an exit code, or the signal that ended it. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Processes of one test file, run with a bare environment (PATH and what the test adds), their
 * output collected. Whatever still runs after a test is killed; callers that wrap the CLI in
 * `unshare --fork` pass `--kill-child`, so killing the wrapper takes the CLI with it.
 */
export function useProcesses() {
  const running = new Set<ChildProcess>();
  const killAll = async () => {
    const waits = [...running].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    });
    running.clear();
    await Promise.all(waits);
  };
  afterEach(killAll);
  afterAll(killAll);

  const launch = (command: string, args: string[], env: Record<string, string> = {}): Launched => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const launched: Launched = {
      child,
      stdout: '',
      stderr: '',
      exit: once(child, 'exit').then(([code, signal]) => {
        running.delete(child);
        return { code: code as number | null, signal: signal as NodeJS.Signals | null };
      }),
    };
    child.stdout?.on('data', (chunk) => {
      launched.stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      launched.stderr += chunk;
    });
    return launched;
  };

  return { launch };
}

/** The URL a vodkit CLI printed once it listens. */
export async function listeningUrl(launched: Launched, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const url = /listening on (http:\/\/[^"\s]+)/.exec(launched.stdout)?.[1];
    if (url) return url;
    if (launched.child.exitCode !== null || launched.child.signalCode !== null) break;
    await sleep(25);
  }
  throw new Error(`the CLI did not start: ${launched.stderr || launched.stdout}`);
}

/** The command line that runs `cli` with `args`. */
export const cliArgs = ({ runtime, cli }: CliCommand, args: string[]) => [runtime, cli, ...args];

/**
 * The host pid of the first child of `pid`: with `unshare --pid --fork`, the program itself,
 * PID 1 of its namespace (unshare ignores SIGTERM and would not pass it on).
 */
export async function childOf(pid: number, ms = 10_000): Promise<number> {
  const deadline = Date.now() + ms;
  const file = `/proc/${pid}/task/${pid}/children`;
  while (Date.now() < deadline) {
    const first = existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/)[0] : '';
    if (first) return Number(first);
    await sleep(10);
  }
  throw new Error(`no child of ${pid} within ${ms} ms`);
}

/**
 * Why namespaces (unshare, mount) cannot be used here, or undefined when they can: they need
 * root and util-linux's unshare.
 */
export function namespacesMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (id -u is not 0)';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return 'unshare --pid --fork --mount-proc does not run';
  return undefined;
}

type NamespaceTest = (name: string, body: () => Promise<void>, timeoutMs?: number) => void;

let warned = false;

/**
 * `it` for tests that need namespaces: without them a line says why and the test is skipped;
 * under CI, where they are expected, it fails instead.
 */
export function itWithNamespaces(): NamespaceTest {
  const missing = namespacesMissing();
  if (!missing) return (name, body, timeoutMs) => it(name, body, timeoutMs);
  if (process.env.CI) {
    return (name) =>
      it(name, () => {
        throw new Error(`CI is set but namespaces are not available (${missing}): this test cannot be skipped in CI.`);
      });
  }
  if (!warned) console.warn(`[vodkit] skipping namespace tests: ${missing}; they need root and util-linux's unshare`);
  warned = true;
  return (name, body, timeoutMs) => it.skip(name, body, timeoutMs);
}
