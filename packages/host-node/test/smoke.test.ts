import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeMysql } from '../../../test/support/mysql.js';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import { memoryKind, mysqlKind, type StoreKind } from '../../../test/support/stores.js';

const smoke = (kind: StoreKind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(() => server.close());

  it('registers and reads the user back', async () => {
    const alice = await register(server.url, 'alice');
    const me = await call(server.url, 'GET', '/api/user/alice', { session: alice.session });
    expect(me.status).toBe(200);
    expect(me.body.user_name).toBe('alice');
  });
};

describe('smoke on memory', () => smoke(memoryKind));
describeMysql('smoke on mysql', (url) => smoke(mysqlKind(url)));
