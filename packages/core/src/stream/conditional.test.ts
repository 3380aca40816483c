import { describe, expect, it } from 'vitest';
import { etagFor, httpDate, ifRangeAllows, isNotModified, parseHttpDate, type Validators } from './conditional.js';

// 1994-11-06T08:49:37.250Z: the sub-second part must never matter.
const lastModified = new Date(Date.UTC(1994, 10, 6, 8, 49, 37, 250));
const v: Validators = { etag: '"1f-18c2"', lastModified };
const LM = 'Sun, 06 Nov 1994 08:49:37 GMT';
const h = (init: Record<string, string>) => new Headers(init);

describe('httpDate / parseHttpDate', () => {
  it('formats IMF-fixdate at second precision', () => {
    expect(httpDate(lastModified)).toBe(LM);
    expect(httpDate(new Date(Date.UTC(2024, 1, 29, 0, 0, 5)))).toBe('Thu, 29 Feb 2024 00:00:05 GMT');
    expect(() => httpDate(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('reads the three HTTP-date forms', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate(LM)?.getTime()).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')?.getTime()).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')?.getTime()).toBe(expected);
    expect(parseHttpDate('Monday, 01-Jan-24 00:00:00 GMT')?.getTime()).toBe(Date.UTC(2024, 0, 1));
    expect(parseHttpDate(` ${LM} `)?.getTime()).toBe(expected);
  });

  it.each([
    '',
    '1',
    '2020',
    '1994-11-06T08:49:37Z',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 Nov 1994 08:49:60 GMT',
    `${LM}, ${LM}`,
  ])('rejects %j', (text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });
});

describe('etagFor', () => {
  it('is strong, quoted and depends only on size and mtime', () => {
    expect(etagFor(31, 6338)).toBe('"1f-18c2"');
    expect(etagFor(31, 6338.9)).toBe('"1f-18c2"');
    expect(etagFor(0, 0)).toBe('"0-0"');
    expect(etagFor(64 * 1024 * 1024, 1_700_000_000_123)).toBe('"4000000-18bcfe5687b"');
    expect(etagFor(32, 6338)).not.toBe(etagFor(31, 6338));
    expect(etagFor(31, 6339)).not.toBe(etagFor(31, 6338));
  });

  it('refuses a nonsensical stat', () => {
    expect(() => etagFor(-1, 0)).toThrow(RangeError);
    expect(() => etagFor(1.5, 0)).toThrow(RangeError);
    expect(() => etagFor(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('isNotModified', () => {
  it('is false without conditional headers', () => {
    expect(isNotModified(h({}), v)).toBe(false);
  });

  it.each([
    ['"1f-18c2"', true],
    ['W/"1f-18c2"', true],
    ['*', true],
    ['"other", "1f-18c2"', true],
    ['"other",W/"1f-18c2"', true],
    [' , "other" ,, "1f-18c2" ', true],
    ['"other"', false],
    ['"1f-18c"', false],
    ['1f-18c2', false],
    ['"other", garbage, "1f-18c2"', false], // parsing stops at the malformed member, as in Go
  ])('If-None-Match %j → %s', (value, expected) => {
    expect(isNotModified(h({ 'if-none-match': value }), v)).toBe(expected);
  });

  it('matches a weak stored tag too', () => {
    expect(isNotModified(h({ 'if-none-match': '"1f-18c2"' }), { ...v, etag: 'W/"1f-18c2"' })).toBe(true);
  });

  it.each([
    [LM, true],
    ['Sun, 06 Nov 1994 08:49:38 GMT', true],
    ['Mon, 07 Nov 2094 00:00:00 GMT', true],
    ['Sun, 06 Nov 1994 08:49:36 GMT', false],
    ['Sunday, 06-Nov-94 08:49:37 GMT', true],
    ['Sun Nov  6 08:49:37 1994', true],
    ['not a date', false],
    ['2099', false],
  ])('If-Modified-Since %j → %s', (value, expected) => {
    expect(isNotModified(h({ 'if-modified-since': value }), v)).toBe(expected);
  });

  it('lets If-None-Match win over If-Modified-Since', () => {
    expect(isNotModified(h({ 'if-none-match': '"other"', 'if-modified-since': LM }), v)).toBe(false);
    expect(
      isNotModified(h({ 'if-none-match': '"1f-18c2"', 'if-modified-since': 'Sat, 01 Jan 1994 00:00:00 GMT' }), v),
    ).toBe(true);
    // An empty If-None-Match is no condition at all.
    expect(isNotModified(h({ 'if-none-match': '', 'if-modified-since': LM }), v)).toBe(true);
  });
});

describe('ifRangeAllows', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['"1f-18c2"', true],
    [' "1f-18c2" ', true],
    ['"other"', false],
    ['W/"1f-18c2"', false],
    [LM, true],
    ['Sunday, 06-Nov-94 08:49:37 GMT', true],
    ['Sun, 06 Nov 1994 08:49:38 GMT', false],
    ['Sun, 06 Nov 1994 08:49:36 GMT', false],
    ['garbage', false],
  ])('If-Range %j → %s', (value, expected) => {
    expect(ifRangeAllows(h(value === undefined ? {} : { 'if-range': value }), v)).toBe(expected);
  });

  it('never matches a weak stored tag', () => {
    const weak = { ...v, etag: 'W/"1f-18c2"' };
    expect(ifRangeAllows(h({ 'if-range': 'W/"1f-18c2"' }), weak)).toBe(false);
    expect(ifRangeAllows(h({ 'if-range': '"1f-18c2"' }), weak)).toBe(false);
  });
});
