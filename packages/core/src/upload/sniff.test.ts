import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffVideo } from './sniff.js';

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const bytes = (...parts: (number | number[] | string)[]) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? ascii(part) : part)));

/** An ISO BMFF `ftyp` box: size, 'ftyp', major brand, minor version, compatible brands. */
const ftyp = (major: string, ...compatible: string[]) => {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 2, 0], ...compatible);
};

/** The start of an EBML header with the given DocType, as WebM and Matroska files begin. */
const ebml = (docType: string) =>
  bytes(
    [0x1a, 0x45, 0xdf, 0xa3], // EBML
    [0x80 | (27 + docType.length)], // size of the header's body
    [0x42, 0x86, 0x81, 0x01], // EBMLVersion 1
    [0x42, 0xf7, 0x81, 0x01], // EBMLReadVersion 1
    [0x42, 0xf2, 0x81, 0x04], // EBMLMaxIDLength 4
    [0x42, 0xf3, 0x81, 0x08], // EBMLMaxSizeLength 8
    [0x42, 0x82, 0x80 | docType.length],
    docType, // DocType
    [0x42, 0x87, 0x81, 0x04], // DocTypeVersion 4
    [0x42, 0x85, 0x81, 0x02], // DocTypeReadVersion 2
    [0x18, 0x53, 0x80, 0x67], // Segment
  );

describe('sniffVideo', () => {
  it('recognises MP4 by its ftyp box', () => {
    expect(sniffVideo(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'))).toBe('video/mp4');
    expect(sniffVideo(ftyp('mp42', 'mp42', 'isom'))).toBe('video/mp4');
  });

  it("recognises QuickTime by the 'qt  ' brand", () => {
    expect(sniffVideo(ftyp('qt  ', 'qt  '))).toBe('video/quicktime');
  });

  it('tells WebM from Matroska by the EBML DocType', () => {
    expect(sniffVideo(ebml('webm'))).toBe('video/webm');
    expect(sniffVideo(ebml('matroska'))).toBe('video/x-matroska');
  });

  it('recognises Ogg', () => {
    expect(sniffVideo(bytes('OggS', [0x00, 0x02], new Array(22).fill(0), [0x01, 0x1e], '\x80theora'))).toBe(
      'video/ogg',
    );
  });

  it('needs no more than SNIFF_BYTES of any of them', () => {
    for (const head of [ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), ebml('webm'), ebml('matroska')]) {
      expect(head.byteLength).toBeLessThanOrEqual(SNIFF_BYTES);
    }
    const long = new Uint8Array(4096);
    long.set(ftyp('isom'));
    expect(sniffVideo(long.subarray(0, SNIFF_BYTES))).toBe('video/mp4');
  });

  it('rejects empty and short input', () => {
    expect(sniffVideo(new Uint8Array())).toBeUndefined();
    expect(sniffVideo(bytes([0x1a, 0x45, 0xdf]))).toBeUndefined();
    expect(sniffVideo(bytes('Ogg'))).toBeUndefined();
    // An ftyp box cut before its brand.
    expect(sniffVideo(bytes([0, 0, 0, 0x20], 'ftyp', 'is'))).toBeUndefined();
    expect(sniffVideo(bytes([0, 0, 0, 0x20], 'ftyp'))).toBeUndefined();
  });

  it('rejects text and images', () => {
    expect(sniffVideo(bytes('hello, this is not a video at all, just some text\n'))).toBeUndefined();
    expect(sniffVideo(bytes('<!DOCTYPE html><html><body>ftyp</body></html>'))).toBeUndefined();
    const png = bytes(
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      [0, 0, 0, 13],
      'IHDR',
      [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0],
      [0x1f, 0x15, 0xc4, 0x89],
    );
    expect(sniffVideo(png)).toBeUndefined();
    expect(sniffVideo(bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0]))).toBeUndefined();
  });
});

describe('sniffVideo and pictures', () => {
  it.each(['heic', 'mif1', 'avif'])('refuses an ISO file of image brand %s', (brand) => {
    const head = new Uint8Array(16);
    head.set(new TextEncoder().encode(`ftyp${brand}`), 4);
    expect(sniffVideo(head)).toBeUndefined();
  });
});
