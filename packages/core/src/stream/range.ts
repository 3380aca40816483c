/** One byte range of a file; `end` is inclusive, as in Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeRequest =
  /** No Range header, or one to ignore: send the whole file with 200. */
  | { kind: 'full' }
  /** Satisfiable ranges, in request order, clamped to the file: 206. */
  | { kind: 'partial'; ranges: ByteRange[] }
  /** Nothing satisfiable: 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

// Enough for any real player; more is a cheap way to make the server do a lot of small reads.
const MAX_RANGES = 16;

const FULL: RangeRequest = { kind: 'full' };
const DIGITS = /^[0-9]+$/;

/** A non-negative integer written in digits only; anything else (sign, exponent, too large) is a syntax error. */
function parseCount(text: string): number | undefined {
  if (!DIGITS.test(text)) return undefined;
  const value = Number(text);
  // Past 2^53 two different offsets would collapse into one number.
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `undefined` on a syntax error; `null` for a well-formed spec that selects nothing in this file. */
function parseSpec(spec: string, size: number): ByteRange | null | undefined {
  const dash = spec.indexOf('-');
  if (dash < 0) return undefined;
  // Go trims around the dash too; harmless leniency that real clients never need but some send.
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();

  if (first === '') {
    // Suffix range `-n`: the last n bytes. `-0` is well formed but selects nothing (RFC 9110 §14.1.1).
    const length = parseCount(last);
    if (length === undefined) return undefined;
    if (length === 0 || size === 0) return null;
    return { start: Math.max(0, size - length), end: size - 1 };
  }

  const start = parseCount(first);
  if (start === undefined) return undefined;
  if (last === '') return start < size ? { start, end: size - 1 } : null;
  const end = parseCount(last);
  // a > b is invalid syntax even when a is past the end, so check it before satisfiability.
  if (end === undefined || start > end) return undefined;
  return start < size ? { start, end: Math.min(end, size - 1) } : null;
}

/**
 * Reads a Range header the way Go's http.ServeContent does (RFC 9110 §14.2): an unparseable
 * header is ignored rather than answered with an error, since a client can always fall back
 * to the full representation.
 */
export function parseRange(header: string | null, size: number): RangeRequest {
  if (header === null) return FULL;
  const eq = header.indexOf('=');
  if (eq < 0) return FULL;
  // Range units are case-insensitive; any unit but bytes is one we do not support, hence ignored.
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return FULL;

  // Empty list elements (`0-1,,2-3`) are legal in an HTTP list and skipped (RFC 9110 §5.6.1, as Go does).
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return FULL;

  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const range = parseSpec(spec, size);
    if (range === undefined) return FULL;
    if (range !== null) ranges.push(range);
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };

  // Overlapping ranges that add up to more than the file would amplify one request into
  // many copies of it; Go falls back to the whole file, and so do we.
  const total = ranges.reduce((sum, r) => sum + (r.end - r.start + 1), 0);
  if (total > size) return FULL;
  return { kind: 'partial', ranges };
}
