import type { IncomingMessage } from 'node:http';
import { isValidHost, VodkitError } from '@vodkit/core';

const badHost = () =>
  new VodkitError('VALIDATION', { details: [{ path: 'headers.host', message: 'is missing or not a valid host' }] });

/**
 * The request's host, as RFC 9112 §3.2 wants it checked: a 400 for an HTTP/1.1 request
 * without Host, for two Host lines, or for one that is not a host. HTTP/1.0 needs none
 * (then `localhost`); HTTP/2 gives `:authority` instead.
 */
export function hostOf(req: IncomingMessage): string {
  let host: string | undefined;
  let authority: string | undefined;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (name === ':authority') authority = raw[i + 1];
    if (name !== 'host') continue;
    if (host !== undefined) throw badHost();
    host = raw[i + 1] as string;
  }
  host ??= authority;
  if (host === undefined) {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return 'localhost';
    throw badHost();
  }
  if (!isValidHost(host)) throw badHost();
  return host;
}
