import { VodkitError } from '../errors/vodkit-error.js';
import { isValidHost } from './host.js';

/**
 * "." and ".." path segments, plain or percent-encoded, and backslashes (which URL
 * parsing reads as "/"). Resolved, they would route the request to another path than
 * the one a proxy in front of vodkit saw: a rule there on "/api/user/admin" would not
 * stop "/api/user/x/%2e%2e/admin". Such targets are refused instead of resolved.
 */
const AMBIGUOUS_PATH = /\\|%5c|(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i;

/**
 * Throws 400 for a request-target (as received, before any URL parsing) whose path
 * vodkit refuses to interpret. Hosts that see the raw target pass it to `fetch` in
 * `ConnectionInfo.target`; the core checks it there, so every host applies one rule.
 */
export function checkRequestTarget(target: string): void {
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  if (AMBIGUOUS_PATH.test(path)) {
    throw new VodkitError('VALIDATION', {
      details: [{ path: 'path', message: 'may not contain "." or ".." segments or backslashes' }],
    });
  }
}

/** What a host knows about a request beyond the Request itself. */
export interface ConnectionInfo {
  /** The peer's IP address as the socket reports it (a proxy's, behind one). */
  remoteAddress?: string | undefined;
  /** The request-target exactly as it arrived (`req.url` in node:http), before URL normalisation. */
  target?: string | undefined;
}

/**
 * A path and query made only of characters URL parsing keeps as they are: what `new URL`
 * would make of them, read without parsing.
 */
const PLAIN_TAIL = /^\/[\w\-.~!$&'()*+,;=:@%/]*(?:\?[\w\-.~!$&'()*+,;=:@%/?]*)?$/;

/** Where a request goes: the path to route and the query, `?` included (empty when none). */
export interface RequestPath {
  pathname: string;
  search: string;
}

/** The path and query of an absolute URL whose host is valid and whose tail is plain; else undefined. */
function plainTail(url: string): string | undefined {
  const authority = url.indexOf('//') + 2;
  const tail = url.indexOf('/', authority);
  if (authority < 2 || tail === -1 || !isValidHost(url.slice(authority, tail))) return undefined;
  const rest = url.slice(tail);
  return PLAIN_TAIL.test(rest) ? rest : undefined;
}

/**
 * The request's path and query: read off its URL when the URL is plain (no parsing on the hot
 * path), else parsed; 400 when the host could not make a valid one (a bad or missing Host).
 */
export function requestPath(request: Request): RequestPath {
  const tail = plainTail(request.url);
  if (tail !== undefined) {
    const query = tail.indexOf('?');
    if (query === -1) return { pathname: tail, search: '' };
    // A lone "?" is no query, as URL has it.
    return { pathname: tail.slice(0, query), search: query === tail.length - 1 ? '' : tail.slice(query) };
  }
  try {
    const { pathname, search } = new URL(request.url);
    return { pathname, search };
  } catch {
    throw new VodkitError('VALIDATION', {
      details: [{ path: 'headers.host', message: 'is missing or not a valid host' }],
    });
  }
}
