import { describe, expect, it } from 'vitest';
import { isVodkitError } from '../errors/vodkit-error.js';
import { checkRequestTarget, requestUrl } from './request-target.js';

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

describe('requestUrl', () => {
  it('is 400 for a URL a host could not build', () => {
    const bad = { url: 'http://exa mple/api' } as Request;
    expect(() => requestUrl(bad)).toThrow(expect.objectContaining({ status: 400 }));
  });
});
