/** Gives a token back; calling it more than once gives back only one. */
export type Release = () => void;

export interface TokenBucket {
  readonly capacity: number;
  readonly available: number;
  /** A token, or undefined when none is left (the caller answers 429). */
  take(): Release | undefined;
}

/**
 * A fixed set of tokens for stream and upload requests: one is taken when a
 * request arrives and given back when its response is over. JavaScript runs
 * one callback at a time, so the check and the take cannot interleave.
 */
export function createTokenBucket(capacity: number): TokenBucket {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('A token bucket needs at least one token.');
  let available = capacity;
  return {
    capacity,
    get available() {
      return available;
    },
    take() {
      if (available === 0) return undefined;
      available -= 1;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        available += 1;
      };
    },
  };
}
