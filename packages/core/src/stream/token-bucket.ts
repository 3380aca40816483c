/** Gives a token back; calling it more than once gives back only one. */
export type Release = () => void;

export interface TokenBucket {
  readonly capacity: number;
  /** Tokens one client may hold at once. */
  readonly perClient: number;
  readonly available: number;
  /** A token for `client` (its address), or undefined when none is left for it (the caller answers 429). */
  take(client?: string): Release | undefined;
}

/**
 * A fixed set of tokens for stream and upload requests: one is taken when a request arrives
 * and given back when its response is over. One client may hold at most `perClient` of them,
 * so a single address cannot starve everyone else. JavaScript runs one callback at a time, so
 * the check and the take cannot interleave.
 */
export function createTokenBucket(capacity: number, perClient = capacity): TokenBucket {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('A token bucket needs at least one token.');
  if (!Number.isInteger(perClient) || perClient < 1) throw new RangeError('Each client needs at least one token.');
  let available = capacity;
  const held = new Map<string, number>();
  return {
    capacity,
    perClient,
    get available() {
      return available;
    },
    take(client = '') {
      const mine = held.get(client) ?? 0;
      if (available === 0 || mine >= perClient) return undefined;
      available -= 1;
      held.set(client, mine + 1);
      let holding = true;
      return () => {
        if (!holding) return;
        holding = false;
        available += 1;
        const left = (held.get(client) ?? 1) - 1;
        if (left === 0) held.delete(client);
        else held.set(client, left);
      };
    },
  };
}
