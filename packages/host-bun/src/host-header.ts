import { VodkitError } from '@vodkit/core';

/**
 * Two Host lines, which RFC 9112 §3.2 says to refuse: Bun joins them into one value with
 * ", " and builds the URL from the first. A comma is no part of a host name. (Bun refuses an
 * HTTP/1.1 request without Host itself; a Host it cannot read gives a URL vodkit refuses.)
 */
export const isJoinedHost = (host: string | null): boolean => host?.includes(',') ?? false;

/** vodkit's own answer to a bad Host, the one the Node host gives. */
export const hostRefusal = (): Response =>
  new VodkitError('VALIDATION', {
    details: [{ path: 'headers.host', message: 'is missing or not a valid host' }],
  }).toResponse();

/**
 * The request as vodkit reads it when it has no Host. HTTP/1.0 needs none (load balancers'
 * health checks often send none), and Bun then gives a URL with no origin, just the target:
 * such a request is served as on localhost, as the Node host does. The copy follows the
 * original's body and abort signal.
 */
export const withDefaultHost = (request: Request): Request =>
  new Request(new URL(request.url, 'http://localhost'), request);
