import { VodkitError } from '../errors/vodkit-error.js';

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

/** The request's URL, or 400 when the host could not make a valid one (a bad or missing Host). */
export function requestUrl(request: Request): URL {
  try {
    return new URL(request.url);
  } catch {
    throw new VodkitError('VALIDATION', {
      details: [{ path: 'headers.host', message: 'is missing or not a valid host' }],
    });
  }
}
