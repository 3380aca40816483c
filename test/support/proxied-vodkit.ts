import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Vodkit } from '@vodkit/core';
import { openVodkit } from '@vodkit/core/node';
import { serve } from '@vodkit/host-node';
import { freshDatabase, type TestDatabase } from './mysql.js';
import { testPasswords } from './stores.js';
import { proxyFor, type TcpProxy } from './tcp-proxy.js';

export interface ProxiedVodkit {
  /** `http://127.0.0.1:<port>` of a real node:http server. */
  url: string;
  vodkit: Vodkit;
  /** Between vodkit and the database: cut, freeze and restore it. */
  proxy: TcpProxy;
  /** `<dataDir>/videos`, `<dataDir>/tmp`. */
  dataDir: string;
  /** The test's own way to the database, around the proxy. */
  database: TestDatabase;
  /** Restores the proxy, stops vodkit, and removes the database, the proxy and the data dir. */
  close(): Promise<void>;
}

/**
 * vodkit as `openVodkit` makes it (MySQL, fsStorage, busboy) on a new database reached only
 * through a TCP proxy the test controls, served on a real socket.
 */
export async function startProxiedVodkit(
  serverUrl: string,
  options: { databaseTimeoutMs: number; services?: ('api' | 'stream' | 'scheduler')[] },
): Promise<ProxiedVodkit> {
  const database = await freshDatabase(serverUrl);
  const proxy = await proxyFor(serverUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-faults-'));
  const cleanup = async () => {
    proxy.restore();
    await proxy.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const vodkit = await openVodkit({
      databaseUrl: proxy.via(database.url),
      databaseTimeoutMs: options.databaseTimeoutMs,
      dataDir,
      services: options.services ?? ['api', 'stream', 'scheduler'],
      passwords: testPasswords(),
      logger: silentLogger,
    });
    const running = await serve(vodkit, { port: 0, logger: silentLogger });
    return {
      url: running.url,
      vodkit,
      proxy,
      dataDir,
      database,
      async close() {
        // A frozen database would hold the pool's goodbye, and with it the close.
        proxy.restore();
        try {
          await running.close();
        } finally {
          await cleanup();
        }
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
