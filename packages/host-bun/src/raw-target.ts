import { VodkitError } from '@vodkit/core';

/**
 * The request-target as vodkit must check it, on a runtime that gives JavaScript only a
 * normalised URL: Bun resolves "." and ".." segments (also percent-encoded) and reads "\"
 * as "/" before `request.url` exists. Bun's router, though, matches `routes` on the raw
 * target, split at "/", and hands each matched segment over, percent-decoded, as a route
 * parameter. So routes of 1 to MAX_SEGMENTS parameter segments see every target made of
 * non-empty segments as it arrived.
 */

/** More segments than any path of vodkit or of its web front end. */
const MAX_SEGMENTS = 16;

const names = Array.from({ length: MAX_SEGMENTS }, (_, i) => `s${i}`);

/** `/:s0`, `/:s0/:s1`, … up to MAX_SEGMENTS segments. */
export const segmentRoutes: readonly string[] = names.map((_, n) =>
  names
    .slice(0, n + 1)
    .map((name) => `/:${name}`)
    .join(''),
);

/** What a decoded segment may hold that would read as an escape or split it. */
const SPLITS = /[%/?#]/;
const SPLITS_ALL = /[%/?#]/g;

/**
 * The raw target's path re-encoded from the segments Bun's router split off it, with the
 * query of `url`. A segment is "." or ".." exactly when the raw one was (plain or
 * percent-encoded), and holds "\" exactly when the raw one held "\" or "%5C"; "%" and
 * the characters that would split a segment are escaped, so vodkit's checks of the target
 * give the answer they would give on the raw one.
 */
export function targetOf(params: Readonly<Record<string, string>>, url: string): string {
  let path = '';
  for (const name of names) {
    const segment = params[name];
    if (segment === undefined) break;
    // Tested first: nearly every segment has none, and then is taken as it is.
    path += SPLITS.test(segment) ? `/${segment.replace(SPLITS_ALL, encodeURIComponent)}` : `/${segment}`;
  }
  const query = url.indexOf('?');
  return query === -1 ? path : `${path}${url.slice(query)}`;
}

/**
 * Whether a target that no segment route matched was changed by Bun's normalisation. Such
 * a target has an empty segment ("//", a trailing "/", or is "/") or more than MAX_SEGMENTS
 * segments, and normalising keeps both unless dot segments or backslashes changed the path:
 * a normalised path with neither could only come from those. (A target that has both an
 * empty segment and dot segments and keeps an empty segment once resolved is not seen; it
 * can only name a path that no route of vodkit serves.)
 */
export function resolvedAway(url: string): boolean {
  let pathname: string;
  try {
    // Relative when the request had no Host (HTTP/1.0).
    pathname = new URL(url, 'http://localhost').pathname;
  } catch {
    // No valid URL (a bad Host): vodkit answers that itself.
    return false;
  }
  if (pathname === '/') return false;
  const segments = pathname.slice(1).split('/');
  return segments.length <= MAX_SEGMENTS && !segments.includes('');
}

/** vodkit's answer to a path with "." or ".." segments or backslashes, as the core gives it from a raw target. */
export const ambiguousPath = (): Response =>
  new VodkitError('VALIDATION', {
    details: [{ path: 'path', message: 'may not contain "." or ".." segments or backslashes' }],
  }).toResponse();
