import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileSends } from './file-sends.js';

describe('fileSends', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives tokens back only as sends end, oldest first when nothing tells them apart, never early', () => {
    vi.useFakeTimers();
    let pending = 0;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    const request = new AbortController();

    // Two sends in flight, one request still in vodkit's handler (Bun counts it as it enters).
    sends.hold(() => released.push('a'), request);
    sends.hold(() => released.push('b'), request);
    pending = 3;
    const leave = sends.enter(new AbortController());
    expect(released).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(released).toEqual([]);

    // One send ends: one token back.
    pending = 2;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['a']);

    // The handler's answer is a JSON body still being sent: counted as a send, so held on.
    leave();
    vi.advanceTimersByTime(30);
    expect(released).toEqual(['a']);

    pending = 0;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops counting a request in the handler once its client has gone, as Bun does', () => {
    vi.useFakeTimers();
    let pending = 2;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    sends.hold(() => released.push('send'), new AbortController());
    const upload = new AbortController();
    const leave = sends.enter(upload);
    vi.advanceTimersByTime(20);
    // The upload's client goes: Bun no longer counts it, the send is still in flight.
    upload.abort();
    pending = 1;
    vi.advanceTimersByTime(50);
    expect(released).toEqual([]);
    leave(); // the handler finishes later: counted once only
    vi.advanceTimersByTime(50);
    expect(released).toEqual([]);
    pending = 0;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['send']);
  });

  it('gives back the tokens of sends already over as a request enters, before any poll', () => {
    vi.useFakeTimers();
    let pending = 1;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    sends.hold(() => released.push('first'), new AbortController());
    // The send ends and its client asks again at once: Bun counts the new request, not the send.
    pending = 1;
    const leave = sends.enter(new AbortController());
    expect(released).toEqual(['first']);
    leave();
  });

  it("gives back the entering client's own send first, so another client's long download does not count against it", () => {
    vi.useFakeTimers();
    let pending = 0;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    const request = new AbortController();
    // B downloads a whole file; A then reads a small range.
    sends.hold(() => released.push('b-long'), request, { client: 'b', bytes: 1 << 30 });
    sends.hold(() => released.push('a-range'), request, { client: 'a', bytes: 1 << 20 });
    pending = 2;
    // A's range is over and A asks again: B's download is still in flight.
    pending = 2;
    const leave = sends.enter(new AbortController(), 'a');
    expect(released).toEqual(['a-range']);
    leave();
  });

  it('gives back the smallest send first when a poll finds one over', () => {
    vi.useFakeTimers();
    let pending = 2;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    const request = new AbortController();
    sends.hold(() => released.push('big'), request, { client: 'b', bytes: 1 << 30 });
    sends.hold(() => released.push('small'), request, { client: 'a', bytes: 1 << 10 });
    pending = 1;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['small']);
    pending = 0;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['small', 'big']);
  });

  it('does not count a request whose client has already gone as it enters', () => {
    vi.useFakeTimers();
    let pending = 1;
    const sends = fileSends(() => pending);
    const released: string[] = [];
    sends.hold(() => released.push('send'), new AbortController());
    const gone = new AbortController();
    gone.abort();
    // Bun no longer counts the request whose client went: the 1 pending is the send.
    const leave = sends.enter(gone);
    vi.advanceTimersByTime(50);
    expect(released).toEqual([]);
    leave();
    pending = 0;
    vi.advanceTimersByTime(10);
    expect(released).toEqual(['send']);
  });

  it('reads no signal of the requests it counts while no token is held', () => {
    vi.useFakeTimers();
    let pending = 0;
    const sends = fileSends(() => pending);
    let reads = 0;
    const request = {
      get signal() {
        reads += 1;
        return new AbortController().signal;
      },
    };
    pending = 1;
    sends.enter(request)();
    expect(reads).toBe(0);
    // With a token held, the requests in the handler are looked at: is their client still there?
    const released: string[] = [];
    sends.hold(() => released.push('send'), new AbortController());
    pending = 2;
    const leave = sends.enter(request);
    expect(reads).toBe(1);
    expect(released).toEqual([]);
    leave();
  });

  it('gives a token back at once when its client goes', () => {
    vi.useFakeTimers();
    const sends = fileSends(() => 5);
    const released: string[] = [];
    const client = new AbortController();
    sends.hold(() => released.push('gone'), client);
    sends.hold(() => released.push('stays'), new AbortController());
    client.abort();
    expect(released).toEqual(['gone']);
    vi.advanceTimersByTime(100);
    expect(released).toEqual(['gone']);
  });
});
