import { describe, expect, it } from 'vitest';
import { parseRange } from './range.js';

const partial = (...pairs: [number, number][]) => ({
  kind: 'partial',
  ranges: pairs.map(([start, end]) => ({ start, end })),
});
const full = { kind: 'full' };
const unsatisfiable = { kind: 'unsatisfiable' };

describe('parseRange', () => {
  it('is full without a Range header', () => {
    expect(parseRange(null, 100)).toEqual(full);
  });

  it.each([
    ['bytes=0-9', partial([0, 9])],
    ['bytes=10-10', partial([10, 10])],
    ['bytes=90-', partial([90, 99])],
    ['bytes=0-', partial([0, 99])],
    ['bytes=-10', partial([90, 99])],
    ['bytes=-100', partial([0, 99])],
    ['bytes=-1000', partial([0, 99])],
    ['bytes=50-1000', partial([50, 99])],
    ['bytes=99-99', partial([99, 99])],
    ['bytes=0-1', partial([0, 1])], // Safari's probe
    ['bytes=007-008', partial([7, 8])],
    ['BYTES=0-9', partial([0, 9])],
    ['bytes=0-9,20-29', partial([0, 9], [20, 29])],
    ['bytes=20-29, 0-9', partial([20, 29], [0, 9])],
    ['bytes= 0-9 ,\t20-29 ', partial([0, 9], [20, 29])],
    ['bytes=0-9,,20-29', partial([0, 9], [20, 29])],
    ['bytes=0-9, 200-300', partial([0, 9])],
    ['bytes=200-, -5', partial([95, 99])],
    ['bytes=-0, 1-2', partial([1, 2])],
    ['bytes=0-0,0-0', partial([0, 0], [0, 0])],
    ['bytes=0-49,50-99', partial([0, 49], [50, 99])],
  ])('%s on 100 bytes', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=1000-1000', 'bytes=-0', 'bytes=100-, 150-160'])(
    '%s on 100 bytes is unsatisfiable',
    (header) => {
      expect(parseRange(header, 100)).toEqual(unsatisfiable);
    },
  );

  it.each(['bytes=0-', 'bytes=0-0', 'bytes=-5', 'bytes=-0'])('%s on an empty file is unsatisfiable', (header) => {
    expect(parseRange(header, 0)).toEqual(unsatisfiable);
  });

  it.each([
    '',
    'bytes',
    'bytes=',
    'bytes= ',
    'bytes=,',
    'bytes=-',
    'bytes=5',
    'bytes=a-b',
    'bytes=1-a',
    'bytes=0x1-2',
    'bytes=1e2-',
    'bytes=+1-2',
    'bytes=1.5-2',
    'bytes=9-5',
    'bytes=--5',
    'bytes=-5-',
    'bytes=1-2-3',
    'bytes=0-9, x',
    'bytes=200-300, 9-5',
    'items=0-9',
    'bytes 0-9',
    'bytes=9007199254740992-',
    'bytes=0-9007199254740992',
    'bytes=-9007199254740992',
    'bytes=99999999999999999999999-',
  ])('%j on 100 bytes is ignored', (header) => {
    expect(parseRange(header, 100)).toEqual(full);
  });

  it('accepts offsets up to MAX_SAFE_INTEGER', () => {
    const size = Number.MAX_SAFE_INTEGER;
    expect(parseRange(`bytes=${size - 1}-`, size)).toEqual(partial([size - 1, size - 1]));
    expect(parseRange(`bytes=0-${size}`, 10)).toEqual(partial([0, 9]));
  });

  it('ignores more than 16 ranges', () => {
    const specs = (n: number) => `bytes=${Array.from({ length: n }, (_, i) => `${i}-${i}`).join(',')}`;
    expect(parseRange(specs(16), 100)).toEqual(
      partial(...Array.from({ length: 16 }, (_, i): [number, number] => [i, i])),
    );
    expect(parseRange(specs(17), 100)).toEqual(full);
  });

  it('ignores overlapping ranges that add up to more than the file', () => {
    expect(parseRange('bytes=0-,0-', 100)).toEqual(full);
    expect(parseRange('bytes=0-50,50-99', 100)).toEqual(full);
    expect(parseRange('bytes=-60,0-59', 100)).toEqual(full);
    // Overlapping but no larger than the file: allowed, as in Go.
    expect(parseRange('bytes=0-49,40-79', 100)).toEqual(partial([0, 49], [40, 79]));
  });

  it('treats a syntax error anywhere as ignorable, even next to unsatisfiable ranges', () => {
    expect(parseRange('bytes=200-300, abc', 100)).toEqual(full);
  });
});
