import { contract } from '@vodkit/core';
import { expect, it } from 'vitest';
import { call } from '../../../test/support/server.js';
import type { StoreKind } from '../../../test/support/stores.js';
import { expectError, expectJson, send } from './support/http.js';
import { eachStore, useServer } from './support/suite.js';

const VID = '3b9f1d2c-4e5a-4b6c-8d7e-9f0a1b2c3d4e';

const routingSuite = (kind: StoreKind) => {
  const server = useServer(kind);

  it('GET /healthz is 200 with the store checked', async () => {
    const health = expectJson(await call(server.url, 'GET', '/healthz'), 200, contract.health.health.responses[200]);
    expect(health).toEqual({ status: 'ok', services: ['api'], checks: { store: 'ok' } });
  });

  it.each(['/', '/api', '/api/nope', '/api/register/', '/healthz/x', '/api/videos', '/stream/x', '/API/register'])(
    '404 NOT_FOUND for %s',
    async (path) => {
      expectError(await send(server.url, { path }), 404, 'NOT_FOUND');
      expectError(await send(server.url, { method: 'POST', path }), 404, 'NOT_FOUND');
    },
  );

  it.each([
    ['GET', '/api/register', 'POST'],
    ['PUT', '/api/login', 'POST'],
    ['GET', '/api/logout', 'POST'],
    ['DELETE', '/healthz', 'GET, HEAD'],
    ['POST', '/api/user/alice', 'DELETE, GET, HEAD'],
    ['PUT', '/api/user/alice/videos', 'GET, HEAD, POST'],
    ['PATCH', `/api/videos/${VID}`, 'DELETE, GET, HEAD'],
    ['DELETE', `/api/videos/${VID}/comments`, 'GET, HEAD, POST'],
  ])('405 METHOD_NOT_ALLOWED for %s %s, with Allow: %s', async (method, path, allow) => {
    const answer = await send(server.url, { method, path });
    expectError(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.get('allow')).toBe(allow);
  });
};

eachStore('routing over HTTP', routingSuite);
