import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVodkit, memoryStore, silentLogger, type Vodkit, type VodkitOptions } from '@vodkit/core';
import { busboyMultipart, fsStorage } from '@vodkit/core/node';
import { testPasswords } from './stores.js';

export interface PageVodkit {
  vodkit: Vodkit;
  /** The fsStorage directory (`videos/`, `tmp/`), removed on close. */
  dataDir: string;
  /** Closes vodkit and removes its data directory. */
  close(): Promise<void>;
}

/**
 * vodkit with every service over a memory store and a temporary fsStorage (raw and multipart
 * uploads): what a browser test or the in-process conformance target needs, with no database.
 */
export async function memoryVodkit(options: Partial<VodkitOptions> = {}): Promise<PageVodkit> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-browser-'));
  const vodkit = createVodkit({
    store: memoryStore(),
    passwords: testPasswords(),
    storage: await fsStorage(dataDir),
    multipart: busboyMultipart,
    logger: silentLogger,
    ...options,
  });
  return {
    vodkit,
    dataDir,
    async close() {
      try {
        await vodkit.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
