/**
 * RFC 9110 §7.2: an IP literal or a registered name, then an optional port. A comma,
 * which RFC 3986 allows in a name, is refused: it is what two Host lines joined look like,
 * and Bun joins them so.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+;=%]+)(?::\d*)?$/;

/** Hosts already found valid: nearly every request names one of a few, so a URL is parsed once for each. */
const known = new Set<string>();
const KNOWN_MAX = 256;

/** Whether `host` (a Host header's value, or the authority of a request URL) is a valid host. */
export function isValidHost(host: string): boolean {
  if (known.has(host)) return true;
  if (!HOST.test(host)) return false;
  try {
    // A port over 65535, a bad IP literal or a bad percent-encoding fail here.
    new URL(`http://${host}/`);
  } catch {
    return false;
  }
  // Bounded, so a client naming ever new hosts only costs a parse each time.
  if (known.size < KNOWN_MAX) known.add(host);
  return true;
}
