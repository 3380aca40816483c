/** Bytes needed to recognise every container below. */
export const SNIFF_BYTES = 64;

const IMAGE_BRANDS = new Set(['heic', 'heix', 'mif1', 'msf1', 'avif', 'avis']);

const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

/**
 * The media type of a video container from its first bytes, or undefined when
 * they are not one vodkit serves: MP4/MOV (`ftyp` box), WebM/Matroska (EBML
 * header) and Ogg. The client's Content-Type is not trusted for this.
 */
export function sniffVideo(head: Uint8Array): string | undefined {
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    // HEIF and AVIF pictures are ISO boxes too, but not videos.
    if (IMAGE_BRANDS.has(brand)) return undefined;
    return brand === 'qt  ' ? 'video/quicktime' : 'video/mp4';
  }
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return ascii(head, 4, head.length).includes('webm') ? 'video/webm' : 'video/x-matroska';
  }
  if (head.length >= 4 && ascii(head, 0, 4) === 'OggS') return 'video/ogg';
  return undefined;
}
