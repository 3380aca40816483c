import { vodkitClientErrorMark, vodkitErrorMark } from '@vodkit/contract';
import { describe, expect, it } from 'vitest';
import { asVodkitError, isVodkitError, VodkitError } from './vodkit-error.js';

/**
 * This module loaded a second time, as a second installed copy of @vodkit/core would be: a query
 * makes it a distinct module for vitest, with its own VodkitError class.
 */
const secondCopy = (): Promise<typeof import('./vodkit-error.js')> => import(`./vodkit-error.js?${'second-copy'}`);

describe('isVodkitError', () => {
  it('recognises a VodkitError of this copy', () => {
    expect(isVodkitError(new VodkitError('VIDEO_NOT_FOUND'))).toBe(true);
  });

  it('recognises a VodkitError of another copy of the package, which instanceof does not', async () => {
    const other = await secondCopy();
    expect(other.VodkitError).not.toBe(VodkitError);
    const error = new other.VodkitError('FORBIDDEN');
    expect(error).not.toBeInstanceOf(VodkitError);
    expect(isVodkitError(error)).toBe(true);
    expect(other.isVodkitError(new VodkitError('FORBIDDEN'))).toBe(true);
    // So it is answered with its own status and code, not as a fault.
    expect(asVodkitError(error)?.toAnswer().status).toBe(403);
  });

  it('recognises any object carrying the mark', () => {
    expect(isVodkitError({ [vodkitErrorMark]: true, code: 'FORBIDDEN' })).toBe(true);
  });

  it('refuses look-alikes without the mark, and the client error mark', () => {
    const lookAlike = Object.assign(new Error('No such video.'), {
      name: 'VodkitError',
      code: 'VIDEO_NOT_FOUND',
      status: 404,
    });
    expect(isVodkitError(lookAlike)).toBe(false);
    expect(isVodkitError({ [vodkitClientErrorMark]: true, code: 'VIDEO_NOT_FOUND' })).toBe(false);
    expect(isVodkitError({ [Symbol('vodkit.error')]: true })).toBe(false);
    for (const value of [undefined, null, 'VodkitError', 404]) expect(isVodkitError(value)).toBe(false);
  });

  it('keeps the mark out of what the error shows', () => {
    const error = new VodkitError('VIDEO_NOT_FOUND');
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: { code: 'VIDEO_NOT_FOUND', message: 'No such video.' },
    });
  });
});
