import type { Store, VideoStorage } from '@vodkit/core';

/** The error mysql2 gives every command of a connection the server closed (lib/base/connection.js). */
export const lostConnectionError = () =>
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    fatal: true,
    code: 'PROTOCOL_CONNECTION_LOST',
  });

/**
 * One call to fail: the `nth` call (from 1) of `method` (`videos.markReady`, `storage.put`)
 * after arming, with `error`; `after` lets the call do its work first, as when a commit
 * reached the server and the connection died before the answer came back.
 */
export interface Fault {
  method: string;
  nth: number;
  error: () => unknown;
  after?: boolean;
}

/**
 * Counts the calls of wrapped stores and storages while armed, and fails the one its fault
 * names. Disarmed (between tests, during setup) every call goes straight through.
 */
export class FaultInjector {
  private fault: Fault | undefined;
  private armed = false;
  private counts = new Map<string, number>();
  /** The calls made since the last arm(), in order. */
  readonly calls: string[] = [];
  /** Whether the fault fired since the last arm(). */
  fired = false;

  /** Starts counting; with a fault, the call it names fails. */
  arm(fault?: Fault) {
    this.fault = fault;
    this.counts.clear();
    this.calls.length = 0;
    this.fired = false;
    this.armed = true;
  }

  disarm() {
    this.armed = false;
    this.fault = undefined;
  }

  /** Wraps one call: counts it and, when it is the one, fails it before or after its work. */
  async call<T>(method: string, work: () => Promise<T>): Promise<T> {
    if (!this.armed) return work();
    const nth = (this.counts.get(method) ?? 0) + 1;
    this.counts.set(method, nth);
    this.calls.push(method);
    const fault = this.fault;
    if (!fault || fault.method !== method || fault.nth !== nth) return work();
    this.fired = true;
    if (fault.after) await work();
    throw fault.error();
  }

  /** A method and its call number for each call in `calls`: every step a fault can hit. */
  static steps(calls: readonly string[]): { method: string; nth: number }[] {
    const seen = new Map<string, number>();
    return calls.map((method) => {
      const nth = (seen.get(method) ?? 0) + 1;
      seen.set(method, nth);
      return { method, nth };
    });
  }
}

/** The object with every function property routed through `injector` under `prefix.name`. */
function wrapMethods<T extends object>(target: T, prefix: string, injector: FaultInjector): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      if (!wrapped.has(key)) {
        const name = `${prefix}.${key}`;
        wrapped.set(key, (...args: unknown[]) => injector.call(name, async () => value.apply(object, args)));
      }
      return wrapped.get(key);
    },
  });
}

/**
 * The store with every repository method (users.create, videos.markReady, deletions.enqueue…)
 * counted and failable; `kind`, `ping` and `close` untouched.
 */
export function faultyStore(store: Store, injector: FaultInjector): Store {
  const repositories = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== 'object' || value === null || typeof key !== 'string') return value;
      if (!repositories.has(key)) repositories.set(key, wrapMethods(value, key, injector));
      return repositories.get(key);
    },
  });
}

/**
 * The storage with put, stat and delete counted and failable (`storage.put`…). `read` is left
 * alone: it opens nothing until the stream is read, so there is no call to fail.
 */
export function faultyStorage<S extends VideoStorage>(storage: S, injector: FaultInjector): S {
  return {
    ...storage,
    put: (...args: Parameters<VideoStorage['put']>) => injector.call('storage.put', () => storage.put(...args)),
    stat: (...args: Parameters<VideoStorage['stat']>) => injector.call('storage.stat', () => storage.stat(...args)),
    delete: (...args: Parameters<VideoStorage['delete']>) =>
      injector.call('storage.delete', () => storage.delete(...args)),
  };
}
