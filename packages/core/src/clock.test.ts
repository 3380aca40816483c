import { describe, expect, it } from 'vitest';
import { creationClock } from './clock.js';

describe('creationClock', () => {
  it('follows the wall clock while it moves forward', () => {
    let wall = 1_000;
    const next = creationClock(() => wall);
    expect(next().getTime()).toBe(1_000);
    wall = 5_000;
    expect(next().getTime()).toBe(5_000);
  });

  it('is strictly increasing when the clock stands still or goes back', () => {
    const readings = [1_000, 1_000, 1_000, 999, 500, 1_001, 1_001, 2_000, 1_500];
    let i = 0;
    const next = creationClock(() => readings[i++] ?? 0);
    const times = readings.map(() => next().getTime());
    for (let k = 1; k < times.length; k++) expect(times[k]).toBeGreaterThan(times[k - 1] ?? Number.POSITIVE_INFINITY);
    expect(times).toEqual([1_000, 1_001, 1_002, 1_003, 1_004, 1_005, 1_006, 2_000, 2_001]);
  });

  it('is strictly increasing over many calls on the real clock', () => {
    const next = creationClock(Date.now);
    let previous = next().getTime();
    for (let k = 0; k < 10_000; k++) {
      const current = next().getTime();
      expect(current).toBeGreaterThan(previous);
      previous = current;
    }
  });

  it('keeps one sequence per clock', () => {
    const a = creationClock(() => 10);
    const b = creationClock(() => 10);
    expect([a().getTime(), a().getTime(), b().getTime()]).toEqual([10, 11, 10]);
  });
});
