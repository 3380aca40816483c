import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VodkitOptions } from '@vodkit/core';
import { bunBinary } from '../support/bun.js';
import { memoryVodkit } from '../support/memory-vodkit.js';
import { startServer } from '../support/server.js';
import { memoryKind } from '../support/stores.js';

/** How the suite configures the server under test; every target honours all of it. */
export interface TargetOptions {
  streamTokens: number;
  maxUploadBytes: number;
  schedulerToken: string;
  /** As `--cors-origins` writes it: origins separated by commas, or `*`. Default: CORS off. */
  corsOrigins?: string;
  /** As `--stream-base-url` writes it. Default: same-origin `stream_url`s. */
  streamBaseUrl?: string;
}

/** A vodkit the suite talks to over HTTP only: no look inside, so every host answers the same questions. */
export interface Target {
  /** Like `fetch`, for a path of this target (`/api/...`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export type StartTarget = (options: TargetOptions) => Promise<Target>;

const withDataDir = async <T>(use: (dataDir: string) => Promise<T & { close(): Promise<void> }>) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-conformance-'));
  try {
    const made = await use(dataDir);
    return {
      ...made,
      async close() {
        try {
          await made.close();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
};

/** The options of `createVodkit` that `options` stands for, as the CLI would make them of its flags. */
const vodkitOptions = ({ corsOrigins, streamBaseUrl, ...rest }: TargetOptions): Partial<VodkitOptions> => ({
  ...rest,
  ...(corsOrigins ? { cors: { origins: corsOrigins === '*' ? '*' : corsOrigins.split(',') } } : {}),
  ...(streamBaseUrl ? { streamBaseUrl } : {}),
});

/** Over a socket, with undici's fetch. */
const overSocket = (url: string) => (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);

/** `vodkit.fetch` called in this process: no host, no socket. */
export const inProcess: StartTarget = async (options) => {
  const { vodkit, close } = await memoryVodkit(vodkitOptions(options));
  return {
    fetch: (path, init) =>
      vodkit.fetch(new Request(`http://vodkit.test${path}`, { ...init, ...(init?.body ? { duplex: 'half' } : {}) })),
    close,
  };
};

/** The Node host (`serve` from @vodkit/host-node) on a free port. */
export const nodeHost: StartTarget = async (options) => {
  const server = await startServer(memoryKind, { dataDir: true, ...vodkitOptions(options) });
  return { fetch: overSocket(server.url), close: () => server.close() };
};

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The built `vodkit-bun` CLI, run by Bun from the `bun` dev dependency, with the same flags as `vodkit`. */
export const bunHost: StartTarget = (options) =>
  withDataDir(async (dataDir) => {
    const child = spawn(
      bunBinary,
      [
        repo('packages/host-bun/dist/cli.js'),
        '--port=0',
        `--data-dir=${dataDir}`,
        `--stream-tokens=${options.streamTokens}`,
        `--max-upload-bytes=${options.maxUploadBytes}`,
        `--scheduler-token=${options.schedulerToken}`,
        ...(options.corsOrigins ? [`--cors-origins=${options.corsOrigins}`] : []),
        ...(options.streamBaseUrl ? [`--stream-base-url=${options.streamBaseUrl}`] : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const url = await listeningUrl(child);
    return {
      fetch: overSocket(url),
      async close() {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      },
    };
  });

/** The URL from the CLI's "listening on" line; the CLI's own words if it stops first. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/[^"\s]+)/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the Bun host stopped (exit ${code}): ${output}`)));
  });
}
