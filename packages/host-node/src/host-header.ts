import type { IncomingMessage } from 'node:http';
import { VodkitError } from '@vodkit/core';

/**
 * RFC 9110 §7.2: an IP literal or a registered name, then an optional port. A comma,
 * which RFC 3986 allows in a name, is refused: it is what two Host lines joined look like,
 * and Bun joins them so.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+;=%]+)(?::\d*)?$/;

const badHost = () =>
  new VodkitError('VALIDATION', { details: [{ path: 'headers.host', message: 'is missing or not a valid host' }] });

const isValid = (host: string) => {
  if (!HOST.test(host)) return false;
  try {
    // A port over 65535, a bad IP literal or a bad percent-encoding fail here.
    new URL(`http://${host}/`);
    return true;
  } catch {
    return false;
  }
};

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
  if (!isValid(host)) throw badHost();
  return host;
}
