export type Received<T> = { done: false; value: T } | { done: true };

/**
 * A bounded async channel between the dispatcher and the executors. Waiters park on
 * promises (no polling), so an idle runner costs nothing.
 */
export interface Channel<T> {
  /** Waits while full; resolves false (value not taken) once the channel is closed. */
  send(value: T): Promise<boolean>;
  /** Waits while empty; after close, buffered values still come out, then `done`. */
  receive(): Promise<Received<T>>;
  /** Takes every buffered value at once: what stop() gives back unstarted. */
  drain(): T[];
  close(): void;
  readonly size: number;
  readonly closed: boolean;
}

export function createChannel<T>(capacity: number): Channel<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('channel capacity must be a positive integer');
  const buffer: T[] = [];
  const receivers: ((r: Received<T>) => void)[] = [];
  const senders: { value: T; resolve: (taken: boolean) => void }[] = [];
  let closed = false;

  // A sender parked on a full buffer moves in as soon as a slot frees up, keeping FIFO order.
  const admitSenders = () => {
    while (buffer.length < capacity && senders.length > 0) {
      const sender = senders.shift() as (typeof senders)[number];
      buffer.push(sender.value);
      sender.resolve(true);
    }
  };

  return {
    send(value) {
      if (closed) return Promise.resolve(false);
      const receiver = receivers.shift();
      if (receiver) {
        // Only possible when the buffer is empty: hand over directly.
        receiver({ done: false, value });
        return Promise.resolve(true);
      }
      if (buffer.length < capacity) {
        buffer.push(value);
        return Promise.resolve(true);
      }
      return new Promise((resolve) => senders.push({ value, resolve }));
    },
    receive() {
      if (buffer.length > 0) {
        const value = buffer.shift() as T;
        admitSenders();
        return Promise.resolve({ done: false, value });
      }
      if (closed) return Promise.resolve({ done: true });
      return new Promise((resolve) => receivers.push(resolve));
    },
    drain() {
      const values = buffer.splice(0, buffer.length);
      admitSenders();
      return values;
    },
    close() {
      if (closed) return;
      closed = true;
      // Parked senders never got in: tell them, so nothing waits forever.
      for (const sender of senders.splice(0)) sender.resolve(false);
      for (const receiver of receivers.splice(0)) receiver({ done: true });
    },
    get size() {
      return buffer.length;
    },
    get closed() {
      return closed;
    },
  };
}
