import { initContract } from '@ts-rest/core';
import { contract } from '@vodkit/contract';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VodkitError } from '../errors/vodkit-error.js';
import { createMatcher, createMethodLookup, flattenContract } from './router.js';

const match = createMatcher(flattenContract(contract));

/** The VodkitError a lookup throws; fails the test when it matches. */
const matchError = (method: string, path: string): VodkitError => {
  try {
    match(method, path);
  } catch (error) {
    expect(error).toBeInstanceOf(VodkitError);
    return error as VodkitError;
  }
  throw new Error(`${method} ${path} matched`);
};

describe('router', () => {
  it('names every route of the contract by its dotted key', () => {
    const names = flattenContract(contract).map((route) => route.name);
    expect(names).toContain('api.register');
    expect(names).toContain('api.listComments');
    expect(names).toContain('health.health');
    expect(new Set(names).size).toBe(names.length);
  });

  it('matches a path and extracts its parameters', () => {
    const found = match('GET', '/api/user/alice/videos');
    expect(found.route.name).toBe('api.listVideos');
    expect(found.params).toEqual({ user_name: 'alice' });

    const vid = '3b241101-e2bb-4255-8caf-4136c566a962';
    expect(match('POST', `/api/videos/${vid}/comments`)).toMatchObject({
      route: { name: 'api.createComment' },
      params: { vid },
    });
    expect(match('POST', '/api/register')).toMatchObject({ route: { name: 'api.register' }, params: {} });
  });

  it('extracts several parameters of one path, percent-decoded', () => {
    const c = initContract();
    const routes = flattenContract(
      c.router({
        pair: {
          method: 'GET',
          path: '/a/:first/b/:second',
          responses: { 200: z.object({}) },
        },
      }),
    );
    expect(createMatcher(routes)('GET', '/a/x%20y/b/%E6%9D%B1%E4%BA%AC%2F%3F').params).toEqual({
      first: 'x y',
      second: '東京/?',
    });
  });

  it('percent-decodes parameters', () => {
    expect(match('GET', '/api/user/al%69ce').params).toEqual({ user_name: 'alice' });
    expect(match('GET', '/api/user/%F0%9F%8E%AC').params).toEqual({ user_name: '🎬' });
    // An encoded slash stays inside the one segment it was sent in.
    expect(match('GET', '/api/user/a%2Fb').params).toEqual({ user_name: 'a/b' });
  });

  it.each([
    ['/api/user/%'],
    ['/api/user/%E0%A4%A'],
    ['/api/user/%zz'],
    ['/api/user/%C3%28'],
    ['/api/videos/%FF/comments'],
  ])('answers VALIDATION for the bad percent-encoding in %s', (path) => {
    const error = matchError('GET', path);
    expect(error.code).toBe('VALIDATION');
    expect(error.status).toBe(400);
    expect(error.details?.[0]?.path).toMatch(/^params\.(user_name|vid)$/);
  });

  it.each([
    ['/nope'],
    ['/api/user'],
    ['/api/user/'],
    ['/api/user/alice/'],
    ['/api/user/alice/videos/extra'],
    ['/API/register'],
    [''],
  ])('answers NOT_FOUND for %j', (path) => {
    const error = matchError('GET', path);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.status).toBe(404);
  });

  it('answers 405 with Allow for a path that exists under other methods', () => {
    const onRegister = matchError('GET', '/api/register');
    expect(onRegister.code).toBe('METHOD_NOT_ALLOWED');
    expect(onRegister.status).toBe(405);
    expect(new Headers(onRegister.headers).get('allow')).toBe('POST');

    const onUser = matchError('PUT', '/api/user/alice');
    expect(new Headers(onUser.headers).get('allow')).toBe('DELETE, GET, HEAD');

    const onVideos = matchError('PATCH', '/api/user/alice/videos');
    expect(new Headers(onVideos.headers).get('allow')).toBe('GET, HEAD, POST');

    expect(matchError('HEAD', '/api/logout').code).toBe('METHOD_NOT_ALLOWED');
    expect(matchError('OPTIONS', '/healthz').code).toBe('METHOD_NOT_ALLOWED');
  });

  it('lists the methods of a path for CORS preflights as 405 does, none for an unknown path', () => {
    const methodsAt = createMethodLookup(flattenContract(contract));
    expect(methodsAt('/api/register')).toBe('POST');
    expect(methodsAt('/api/user/alice')).toBe('DELETE, GET, HEAD');
    expect(methodsAt('/stream/videos/x')).toBe('GET, HEAD');
    expect(methodsAt('/nowhere')).toBeUndefined();
    // tus's HEAD and OPTIONS routes, declared through metadata.method.
    expect(methodsAt('/upload/resumable/x')).toBe('DELETE, HEAD, OPTIONS, PATCH');
    expect(methodsAt('/upload/videos/x/resumable')).toBe('OPTIONS, POST');
  });

  it('serves the HEAD and OPTIONS routes that metadata.method declares, and no GET there', () => {
    const id = 'a'.repeat(32);
    expect(match('HEAD', `/upload/resumable/${id}`)).toMatchObject({
      route: { name: 'resumable.uploadOffset', method: 'HEAD' },
      params: { upload_id: id },
    });
    expect(match('OPTIONS', `/upload/resumable/${id}`).route.name).toBe('resumable.discoverUpload');
    expect(match('OPTIONS', '/upload/videos/x/resumable').route.name).toBe('resumable.discoverCreation');
    const refused = matchError('GET', `/upload/resumable/${id}`);
    expect(refused.code).toBe('METHOD_NOT_ALLOWED');
    expect(refused.headers).toEqual({ allow: 'DELETE, HEAD, OPTIONS, PATCH' });
  });

  it('serves HEAD with the GET route', () => {
    expect(match('HEAD', '/api/user/alice/videos')).toEqual(match('GET', '/api/user/alice/videos'));
    expect(match('HEAD', '/healthz').route.name).toBe('health.health');
  });
});
