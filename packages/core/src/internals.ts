// What the tests observe inside a vodkit instance, kept off the `Vodkit` interface and out of
// every package entry: tests import this module by its path in the sources.
import type { TokenBucket } from './stream/token-bucket.js';
import type { Vodkit } from './vodkit.js';

const streamTokens = new WeakMap<Vodkit, TokenBucket>();

/** Records the stream tokens of an instance `createVodkit` made. */
export function keepStreamTokens(vodkit: Vodkit, tokens: TokenBucket): void {
  streamTokens.set(vodkit, tokens);
}

/** The stream service's token bucket of an instance `createVodkit` made (tests only). */
export function streamTokensOf(vodkit: Vodkit): TokenBucket {
  const tokens = streamTokens.get(vodkit);
  if (!tokens) throw new Error('Not an instance made by createVodkit.');
  return tokens;
}
