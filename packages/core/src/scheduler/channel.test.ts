import { describe, expect, it } from 'vitest';
import { createChannel } from './channel.js';

const settled = async <T>(promise: Promise<T>) => {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
};

describe('createChannel', () => {
  it('is first in, first out', async () => {
    const channel = createChannel<number>(3);
    for (const n of [1, 2, 3]) await channel.send(n);
    expect(await channel.receive()).toEqual({ done: false, value: 1 });
    expect(await channel.receive()).toEqual({ done: false, value: 2 });
    expect(await channel.receive()).toEqual({ done: false, value: 3 });
  });

  it('makes a sender wait while full and lets it in when a slot frees', async () => {
    const channel = createChannel<number>(1);
    await channel.send(1);
    const second = channel.send(2);
    expect(await settled(second)).toBe(false);
    expect(channel.size).toBe(1);
    expect(await channel.receive()).toEqual({ done: false, value: 1 });
    expect(await second).toBe(true);
    expect(await channel.receive()).toEqual({ done: false, value: 2 });
  });

  it('makes a receiver wait while empty and hands the next value straight over', async () => {
    const channel = createChannel<string>(2);
    const received = channel.receive();
    expect(await settled(received)).toBe(false);
    await channel.send('a');
    expect(await received).toEqual({ done: false, value: 'a' });
    expect(channel.size).toBe(0);
  });

  it('wakes waiting receivers with done on close', async () => {
    const channel = createChannel<number>(2);
    const a = channel.receive();
    const b = channel.receive();
    channel.close();
    expect(await a).toEqual({ done: true });
    expect(await b).toEqual({ done: true });
    expect(channel.closed).toBe(true);
  });

  it('still gives buffered values after close, then done; refuses new sends', async () => {
    const channel = createChannel<number>(2);
    await channel.send(1);
    channel.close();
    expect(await channel.send(2)).toBe(false);
    expect(await channel.receive()).toEqual({ done: false, value: 1 });
    expect(await channel.receive()).toEqual({ done: true });
  });

  it('resolves parked senders with false on close', async () => {
    const channel = createChannel<number>(1);
    await channel.send(1);
    const parked = channel.send(2);
    channel.close();
    expect(await parked).toBe(false);
    expect(channel.drain()).toEqual([1]);
  });

  it('drain takes every buffered value and admits parked senders', async () => {
    const channel = createChannel<number>(2);
    await channel.send(1);
    await channel.send(2);
    const parked = channel.send(3);
    expect(channel.drain()).toEqual([1, 2]);
    expect(await parked).toBe(true);
    expect(channel.drain()).toEqual([3]);
  });

  it('rejects a capacity below one', () => {
    expect(() => createChannel(0)).toThrow(RangeError);
  });
});
