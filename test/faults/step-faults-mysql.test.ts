import { randomUUID } from 'node:crypto';
import { mysqlStore } from '@vodkit/core/node';
import { createConnection } from 'mysql2/promise';
import { beforeAll, expect, it } from 'vitest';
import { lostConnectionError } from '../support/faulty.js';
import { describeMysql, freshDatabase } from '../support/mysql.js';
import { mysqlKind } from '../support/stores.js';
import { proxyFor } from '../support/tcp-proxy.js';
import { failureKinds, stepFaultSuite } from './step-faults.js';

describeMysql('store and storage faults on MySQL', (serverUrl) => {
  /** What the MySQL store rejects with when its connection is cut: injected as it is. */
  let storeLost: unknown;
  beforeAll(async () => {
    const database = await freshDatabase(serverUrl);
    const proxy = await proxyFor(serverUrl);
    try {
      const store = await mysqlStore({ url: proxy.via(database.url), timeoutMs: 2000 });
      proxy.cut();
      storeLost = await store.videos.find(randomUUID()).then(
        () => new Error('the store answered through a cut connection'),
        (error: unknown) => error,
      );
      proxy.restore();
      await store.close().catch(() => {});
    } finally {
      await proxy.close();
      await database.drop();
    }
  });

  // The injected lost connection must be the one mysql2 really gives, or the suite tests a fiction.
  it("injects mysql2's own error for a connection the server closed under a statement", async () => {
    const proxy = await proxyFor(serverUrl);
    try {
      const conn = await createConnection(proxy.via(serverUrl));
      conn.on('error', () => {});
      const pending = conn.query('SELECT SLEEP(5)').then(
        () => undefined,
        (error: unknown) => error,
      );
      setTimeout(() => proxy.cut(), 200);
      const real = (await pending) as Error & { code?: string; fatal?: boolean };
      const injected = lostConnectionError();
      expect({ message: real?.message, code: real?.code, fatal: real?.fatal }).toEqual({
        message: injected.message,
        code: injected.code,
        fatal: injected.fatal,
      });
      conn.destroy();
    } finally {
      await proxy.close();
    }
  });

  stepFaultSuite(
    mysqlKind(serverUrl),
    failureKinds(() => storeLost),
  );
});
