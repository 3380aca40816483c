import { contract } from '@vodkit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeMysql, freshDatabase, type TestDatabase } from '../../../test/support/mysql.js';
import { call, register, startServer, type TestServer } from '../../../test/support/server.js';
import { mysqlDatabaseKind } from '../../../test/support/stores.js';
import { expectError, expectJson } from './support/http.js';
import { fetchBytes, mp4Bytes, uploadMultipart, uploadRaw } from './support/stream.js';
import { createVideo } from './support/suite.js';

const api = contract.api;

describeMysql('--services stream alone, sharing the MariaDB database and data dir with the API', (serverUrl) => {
  let db: TestDatabase;
  let apiServer: TestServer;
  let streamServer: TestServer;
  beforeAll(async () => {
    db = await freshDatabase(serverUrl);
    apiServer = await startServer(mysqlDatabaseKind(db.url), { dataDir: true, services: ['api'] });
    streamServer = await startServer(mysqlDatabaseKind(db.url), {
      dataDir: apiServer.dataDir as string,
      services: ['stream'],
    });
  });
  afterAll(async () => {
    try {
      await streamServer?.close();
      await apiServer?.close();
    } finally {
      await db.drop();
    }
  });

  it('takes the upload of a video the API created, streams it, and the API sees it ready', async () => {
    expect(streamServer.vodkit.services).toEqual(['stream']);
    const owner = await register(apiServer.url, 'split.owner');
    const other = await register(apiServer.url, 'split.other');
    const video = await createVideo(apiServer.url, owner, 'split');
    const bytes = mp4Bytes(120_000);
    expectError(await uploadRaw(streamServer.url, video.id, other.session, bytes), 403, 'FORBIDDEN');
    const uploaded = expectJson(
      await uploadRaw(streamServer.url, video.id, owner.session, bytes),
      200,
      api.getVideo.responses[200],
    );
    expect(uploaded).toMatchObject({ id: video.id, status: 'ready', size: bytes.length, content_type: 'video/mp4' });
    expect(
      expectJson(await call(apiServer.url, 'GET', `/api/videos/${video.id}`), 200, api.getVideo.responses[200]),
    ).toEqual(uploaded);
    const streamed = await fetchBytes(streamServer.url, video.stream_url);
    expect(streamed.status).toBe(200);
    expect(streamed.bytes.equals(bytes)).toBe(true);
    const part = await fetchBytes(streamServer.url, video.stream_url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.bytes.equals(bytes.subarray(100, 200))).toBe(true);

    const second = await createVideo(apiServer.url, owner, 'multipart');
    expect((await uploadMultipart(streamServer.url, second.id, owner.session, mp4Bytes(5000))).status).toBe(200);

    // Deleted through the API: the stream service no longer serves it.
    expect((await call(apiServer.url, 'DELETE', `/api/videos/${video.id}`, { session: owner.session })).status).toBe(
      204,
    );
    expectError(await fetchBytes(streamServer.url, video.stream_url), 404, 'VIDEO_NOT_FOUND');
  });

  it('serves no API route, and /healthz', async () => {
    const registerThere = await fetchBytes(streamServer.url, '/api/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ user_name: 'nobody', pwd: 'password1' })),
    });
    expectError(registerThere, 404, 'NOT_FOUND');
    expectError(await fetchBytes(streamServer.url, '/api/user/split.owner/videos'), 404, 'NOT_FOUND');
    const health = await fetchBytes(streamServer.url, '/healthz');
    expect(health.status).toBe(200);
    // And the API-only server serves no stream route.
    const video = await createVideo(apiServer.url, await register(apiServer.url, 'split.third'), 'x');
    expectError(await fetchBytes(apiServer.url, video.stream_url), 404, 'NOT_FOUND');
  });
});
