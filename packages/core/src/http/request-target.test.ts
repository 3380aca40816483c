import { describe, expect, it } from 'vitest';
import { isVodkitError } from '../errors/vodkit-error.js';
import { checkRequestTarget, requestPath } from './request-target.js';

const refused = (target: string) => {
  try {
    checkRequestTarget(target);
    return false;
  } catch (error) {
    return isVodkitError(error) && error.status === 400;
  }
};

describe('checkRequestTarget', () => {
  it.each([
    '/api/user/admin/%2e%2e/me_user',
    '/api/user/admin/%2E%2e/me_user',
    '/api/user/admin/../me_user',
    '/api/./videos',
    '/api/%2e/videos',
    '/api/.%2e/x',
    '/api\\user',
    '/api%5cuser',
    '/api/videos/..',
    '..',
  ])('refuses %s', (target) => {
    expect(refused(target)).toBe(true);
  });

  it.each([
    '/api/videos/0f8fad5b-d9cb-469f-a165-70867728950e',
    '/api/user/a.b/videos',
    '/api/user/...',
    '/api/user/.x',
    '/api/user/x..',
    '/api/videos?cursor=../..',
    '/healthz?x=a\\b',
  ])('accepts %s', (target) => {
    expect(refused(target)).toBe(false);
  });
});

describe('requestPath', () => {
  const request = (url: string) => ({ url }) as Request;

  it('reads a plain URL as URL parsing would', () => {
    for (const tail of [
      '/api/videos/x',
      '/api/user/a/videos?limit=20&cursor=abc',
      '/a//b',
      '/x?',
      '/%7Euser?q=%20',
      '/%61pi',
    ]) {
      const url = new URL(`http://h.example:8080${tail}`);
      expect(requestPath(request(`http://h.example:8080${tail}`))).toEqual({
        pathname: url.pathname,
        search: url.search,
      });
    }
  });

  it('parses any other URL', () => {
    expect(requestPath(request('http://h/a b?x="1"'))).toEqual({ pathname: '/a%20b', search: '?x=%221%22' });
    expect(requestPath(request('http://h/p/\u00e9'))).toEqual({ pathname: '/p/%C3%A9', search: '' });
    expect(requestPath(request('http://h/p#frag'))).toEqual({ pathname: '/p', search: '' });
  });

  it('is 400 for a URL a host could not build', () => {
    expect(() => requestPath(request('http://exa mple/api'))).toThrow(expect.objectContaining({ status: 400 }));
  });
});
