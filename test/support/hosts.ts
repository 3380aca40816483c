import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVodkit, type Logger, memoryStore } from '@vodkit/core';
import { busboyMultipart, fsStorage } from '@vodkit/core/node';
import { serve } from '@vodkit/host-node';
import { afterAll, beforeAll } from 'vitest';
import { bunCli, useCli } from './cli.js';
import { call, register } from './server.js';
import { testPasswords } from './stores.js';

export type HostName = 'node' | 'bun';
export const hostNames: readonly HostName[] = ['node', 'bun'];

export interface HostOptions {
  streamTokens?: number;
  streamIdleTimeoutMs?: number;
}

/** A running host; its fields are set by useHost's beforeAll: read them inside tests and hooks only. */
export interface Host {
  name: HostName;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Error lines the host and vodkit logged so far. */
  errors(): string[];
}

/** vodkit on the Node host in this process (the sources), its error log kept. */
async function startNode(options: HostOptions) {
  const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-hosts-'));
  const errors: string[] = [];
  const logger: Logger = {
    info: () => {},
    error: (message, fields) => errors.push(JSON.stringify({ message, ...fields })),
  };
  const vodkit = createVodkit({
    store: memoryStore(),
    passwords: testPasswords(),
    storage: await fsStorage(dataDir),
    multipart: busboyMultipart,
    logger,
    ...options,
  });
  const running = await serve(vodkit, { port: 0, logger });
  return {
    url: running.url,
    errors: () => [...errors],
    async close() {
      try {
        await running.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * One server of the host for the test file, every service: the Node host in process on a memory
 * store, or the Bun host as its built CLI (`vodkit-bun`, on SQLite in its data dir), with the same
 * settings.
 * Call at the top of a file or describe block.
 */
export function useHost(name: HostName, options: HostOptions = {}): Host {
  const host = { name } as Host;
  const cli = name === 'bun' ? useCli(bunCli) : undefined;
  let close = async () => {};
  beforeAll(async () => {
    if (cli) {
      const args = ['--port', '0'];
      if (options.streamTokens) args.push('--stream-tokens', String(options.streamTokens));
      if (options.streamIdleTimeoutMs) args.push('--stream-idle-timeout', `${options.streamIdleTimeoutMs}ms`);
      const started = cli.run(args, {}, { forFile: true });
      host.url = await cli.listening(started);
      host.errors = () => started.stderr.split('\n').filter((line) => line.includes('"level":"error"'));
      return;
    }
    const node = await startNode(options);
    host.url = node.url;
    host.errors = node.errors;
    close = node.close;
  });
  afterAll(() => close());
  return host;
}

/** A new user's name and session, and a ready video of theirs holding `bytes`. */
export async function uploadedVideo(base: string, userName: string, bytes: Uint8Array) {
  const owner = await register(base, userName);
  const created = await call(base, 'POST', `/api/user/${userName}/videos`, {
    session: owner.session,
    body: { name: 'a video' },
  });
  if (created.status !== 201) throw new Error(`create video: ${created.status}`);
  const vid = created.body.id as string;
  const uploaded = await fetch(`${base}/upload/videos/${vid}`, {
    method: 'POST',
    headers: { 'content-type': 'video/mp4', 'x-session-id': owner.session },
    // A copy typed as lib.dom's BodyInit wants it (a Buffer's backing store is typed wider).
    body: new Uint8Array(bytes),
  });
  if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
  return { ...owner, vid };
}
