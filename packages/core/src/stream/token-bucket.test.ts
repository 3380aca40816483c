import { describe, expect, it } from 'vitest';
import { createTokenBucket, type Release } from './token-bucket.js';

describe('createTokenBucket', () => {
  it('starts full with its capacity', () => {
    const bucket = createTokenBucket(3);
    expect(bucket.capacity).toBe(3);
    expect(bucket.available).toBe(3);
  });

  it('hands out tokens until empty, then undefined', () => {
    const bucket = createTokenBucket(2);
    const first = bucket.take();
    const second = bucket.take();
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(bucket.available).toBe(0);
    expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBeUndefined();
    expect(bucket.available).toBe(0);
  });

  it('gives a token back on release, so the next take succeeds', () => {
    const bucket = createTokenBucket(1);
    const release = bucket.take();
    expect(bucket.take()).toBeUndefined();
    release?.();
    expect(bucket.available).toBe(1);
    expect(bucket.take()).toBeTypeOf('function');
  });

  it('gives back only one token however many times a release is called', () => {
    const bucket = createTokenBucket(2);
    const a = bucket.take();
    const b = bucket.take();
    a?.();
    a?.();
    a?.();
    expect(bucket.available).toBe(1);
    // The double release did not mint a token: one take succeeds, the next does not.
    expect(bucket.take()).toBeTypeOf('function');
    expect(bucket.take()).toBeUndefined();
    b?.();
    b?.();
    expect(bucket.available).toBe(1);
  });

  it('never exceeds capacity nor goes negative under many interleaved takes and releases', async () => {
    const capacity = 5;
    const bucket = createTokenBucket(capacity);
    let inFlight = 0;
    let peak = 0;
    let refused = 0;
    let served = 0;
    const check = () => {
      expect(bucket.available).toBeGreaterThanOrEqual(0);
      expect(bucket.available).toBeLessThanOrEqual(capacity);
      expect(bucket.available + inFlight).toBe(capacity);
    };

    // A deterministic mix of how long each "request" holds its token (in microtask turns)
    // and how many times it releases it (some release twice, as an abort plus an end would).
    const request = async (i: number) => {
      for (let k = 0; k < i % 3; k++) await Promise.resolve();
      const release: Release | undefined = bucket.take();
      if (!release) {
        expect(bucket.available).toBe(0);
        check();
        refused += 1;
        return;
      }
      inFlight += 1;
      served += 1;
      peak = Math.max(peak, inFlight);
      check();
      for (let k = 0; k < (i * 7) % 11; k++) await Promise.resolve();
      inFlight -= 1;
      release();
      if (i % 4 === 0) release();
      check();
      if (i % 5 === 0) {
        await Promise.resolve();
        release();
        check();
      }
    };

    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => request(i + round)));
      expect(bucket.available).toBe(capacity);
    }
    expect(peak).toBe(capacity);
    expect(refused).toBeGreaterThan(0);
    expect(served + refused).toBe(1000);
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, -5, 1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createTokenBucket(capacity), String(capacity)).toThrow(RangeError);
    }
    expect(createTokenBucket(1).capacity).toBe(1);
  });

  it('lets one client hold only its share, and gives it back to that client', () => {
    const bucket = createTokenBucket(4, 2);
    const a1 = bucket.take('10.0.0.1');
    const a2 = bucket.take('10.0.0.1');
    expect(bucket.take('10.0.0.1')).toBeUndefined();
    // Others still get the tokens the first client may not take.
    const b1 = bucket.take('10.0.0.2');
    expect(b1).toBeTypeOf('function');
    expect(bucket.available).toBe(1);
    a1?.();
    a1?.();
    expect(bucket.take('10.0.0.1')).toBeTypeOf('function');
    expect(bucket.take('10.0.0.1')).toBeUndefined();
    a2?.();
    b1?.();
    // One token is still out: the one client 10.0.0.1 took again.
    expect(bucket.available).toBe(3);
  });

  it('refuses a share below one token', () => {
    expect(() => createTokenBucket(4, 0)).toThrow(RangeError);
  });
});
