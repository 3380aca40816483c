/**
 * An address as it may be written (`10.0.0.1:5678` and `[2001:db8::1]:443` by proxies that add the
 * port, `::ffff:10.0.0.1` for an IPv4 peer on a dual-stack socket), without port or brackets.
 */
const plain = (written: string) => {
  const address = written.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return plain(bracketed[1] as string);
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) return address.slice(0, address.lastIndexOf(':'));
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
};

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
const ipv6Groups = (address: string): number[] | undefined => {
  if (!address.includes(':') || /[^0-9a-f:.]/i.test(address)) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const part = (text: string | undefined) => {
    if (!text) return [];
    return text.split(':').flatMap((group) => {
      // An IPv4 tail (64:ff9b::192.0.2.1) is two groups.
      if (group.includes('.')) {
        const bytes = group.split('.').map(Number);
        return [((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0), ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)];
      }
      return [Number.parseInt(group, 16)];
    });
  };
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<number>(Math.max(0, missing)).fill(0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
};

/**
 * The key a client address is counted under. An IPv6 host usually has a whole /64 to pick
 * addresses from, so IPv6 addresses count by their /64; IPv4 addresses count one by one.
 */
const clientKey = (address: string) => {
  const groups = ipv6Groups(address);
  return groups
    ? `${groups
        .slice(0, 4)
        .map((group) => group.toString(16))
        .join(':')}::/64`
    : address;
};

/**
 * The address a request comes from, as abuse limits count it (an IPv6 one by its /64). The peer's own address, unless
 * the peer is a trusted proxy: then the nearest address in `X-Forwarded-For` that is not a
 * trusted proxy itself (entries to its left are whatever the client chose to send, so they are
 * not believed). Requests without a peer address (called in process) share one key.
 */
export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | null,
  trustedProxies: ReadonlySet<string>,
): string {
  const peer = remoteAddress ? plain(remoteAddress) : 'unknown';
  if (!trustedProxies.has(peer) || !forwardedFor) return clientKey(peer);
  const hops = forwardedFor.split(',').map(plain).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return clientKey(hop);
  }
  return clientKey(hops[0] ?? peer);
}

/** The trusted proxies as `clientAddress` compares them. */
export const trustedSet = (addresses: readonly string[] = []) => new Set(addresses.map(plain));
