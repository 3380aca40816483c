/**
 * Timestamps for new rows: never equal to or before the previous one in this
 * process, so rows created in the same millisecond still list newest first.
 */
export function creationClock(clock: () => number): () => Date {
  let last = 0;
  return () => {
    last = Math.max(clock(), last + 1);
    return new Date(last);
  };
}
