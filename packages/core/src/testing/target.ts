import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../store/types.js';

/** One store of the adapter under test, new and empty, and how to get rid of it. */
export interface OpenedStore {
  store: Store;
  /** Closes the store and removes what it left (a database, files). Default: `store.close()`. */
  cleanup?(): Promise<void>;
}

/** The adapter under test, for `storeSuite`. */
export interface StoreSuiteTarget {
  /** A new, empty store for one test: no test sees another's rows. Called before each test. */
  open(): Promise<OpenedStore>;
}

/** Gives each test of the suite a new store from `target.open()` (`use` receives it) and cleans it up after. */
export function freshStoreEachTest(target: StoreSuiteTarget, use: (store: Store) => void): void {
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    const opened = await target.open();
    use(opened.store);
    cleanup = () => (opened.cleanup ? opened.cleanup() : opened.store.close());
  });
  afterEach(() => cleanup());
}
