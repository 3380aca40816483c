/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is the address 10.0.0.1. */
const plain = (address: string) => address.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * The address a request comes from, as abuse limits count it. The peer's own address, unless
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
  if (!trustedProxies.has(peer) || !forwardedFor) return peer;
  const hops = forwardedFor.split(',').map(plain).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** The trusted proxies as `clientAddress` compares them. */
export const trustedSet = (addresses: readonly string[] = []) => new Set(addresses.map(plain));
