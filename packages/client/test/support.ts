import { afterAll, beforeAll } from 'vitest';
import { startServer, type TestServer } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { createVodkitClient, type NodeClientOptions } from '../src/node.js';

export const SCHEDULER_TOKEN = 'client-test-scheduler-token-0123456789';

export type ClientServed = Omit<TestServer, 'close'> & { dataDir: string };

/**
 * A real Node host on a socket with every service, over a new store of `kind`;
 * the returned object is filled in beforeAll.
 */
export function useClientServer(kind: StoreKind, options: { streamTokens?: number; maxUploadBytes?: number } = {}) {
  const served = {} as ClientServed;
  let server: TestServer;
  const clients: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    server = await startServer(kind, { dataDir: true, schedulerToken: SCHEDULER_TOKEN, ...options });
    Object.assign(served, { url: server.url, vodkit: server.vodkit, store: server.store, dataDir: server.dataDir });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.close();
  });
  /** A new Node client of this server, closed after the suite. */
  const client = (options: Partial<NodeClientOptions> = {}) => {
    const made = createVodkitClient({ baseUrl: served.url, ...options });
    clients.push(made);
    return made;
  };
  return { served, client };
}

let users = 0;
/** A user name no other test of this process uses. */
export const newUserName = (prefix = 'user') => `${prefix}_${process.pid}_${++users}`;

export const PASSWORD = 'correct horse battery';
