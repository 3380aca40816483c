import { vodkitClientErrorMark, vodkitErrorMark } from '@vodkit/contract';
import { describe, expect, it } from 'vitest';
import { isVodkitClientError, VodkitClientError } from './errors.js';

/**
 * This module loaded a second time, as a second installed copy of @vodkit/client would be: a query
 * makes it a distinct module for vitest, with its own VodkitClientError class.
 */
const secondCopy = (): Promise<typeof import('./errors.js')> => import(`./errors.js?${'second-copy'}`);

const notFound = { error: { code: 'VIDEO_NOT_FOUND', message: 'No such video.' } };

describe('isVodkitClientError', () => {
  it('recognises a client error, and its code when asked', () => {
    const error = new VodkitClientError(404, notFound);
    expect(isVodkitClientError(error)).toBe(true);
    expect(isVodkitClientError(error, 'VIDEO_NOT_FOUND')).toBe(true);
    expect(isVodkitClientError(error, 'USER_NOT_FOUND')).toBe(false);
    expect(isVodkitClientError(VodkitClientError.unexpected(404, 'proxy page'), 'UNEXPECTED_RESPONSE')).toBe(true);
  });

  it('recognises a client error of another copy of the package, which instanceof does not', async () => {
    const other = await secondCopy();
    expect(other.VodkitClientError).not.toBe(VodkitClientError);
    const error = new other.VodkitClientError(404, notFound);
    expect(error).not.toBeInstanceOf(VodkitClientError);
    expect(isVodkitClientError(error, 'VIDEO_NOT_FOUND')).toBe(true);
    expect(other.isVodkitClientError(new VodkitClientError(404, notFound), 'VIDEO_NOT_FOUND')).toBe(true);
  });

  it('recognises any object carrying the mark', () => {
    expect(isVodkitClientError({ [vodkitClientErrorMark]: true, code: 'USER_EXISTS' }, 'USER_EXISTS')).toBe(true);
  });

  it("refuses look-alikes without the mark, and the server's VodkitError mark", () => {
    const lookAlike = Object.assign(new Error('No such video.'), {
      name: 'VodkitClientError',
      code: 'VIDEO_NOT_FOUND',
      status: 404,
    });
    expect(isVodkitClientError(lookAlike)).toBe(false);
    expect(isVodkitClientError({ [vodkitErrorMark]: true, code: 'VIDEO_NOT_FOUND' })).toBe(false);
    for (const value of [undefined, null, 'VodkitClientError', 404]) expect(isVodkitClientError(value)).toBe(false);
  });

  it('keeps the mark out of what the error shows', () => {
    const error = new VodkitClientError(404, notFound);
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
  });
});
