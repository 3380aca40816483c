// @vodkit/core/testing: the store suite, for every Store adapter — vodkit's three and yours.
// It registers vitest tests: vitest is an optional peer dependency, needed only here.
import { describe } from 'vitest';
import { storeGuards } from './store-guards.js';
import { storeReadsAndWrites } from './store-suite.js';
import { storeUploads } from './store-uploads.js';
import type { StoreSuiteTarget } from './target.js';

export type { OpenedStore, StoreSuiteTarget } from './target.js';

/**
 * Registers the tests every `Store` adapter must pass, under `describe(name)`: users, sessions,
 * videos, comments, resumable uploads and their leases, the deletion queue and rate counters,
 * paging, Dates to the millisecond in UTC, Unicode at full length, and the guards (writes racing a
 * deletion, the session cap, sweeps).
 * Call it at the top level of a vitest test file; `target.open()` gives each test a new, empty store.
 *
 * @example
 * ```ts
 * // test/store.test.ts of your adapter
 * import { storeSuite } from '@vodkit/core/testing';
 * import { myStore } from '../src/index.js';
 *
 * storeSuite('my store', {
 *   async open() {
 *     const store = await myStore({ url: 'memory://' });
 *     return { store }; // cleanup defaults to store.close()
 *   },
 * });
 * ```
 */
export function storeSuite(name: string, target: StoreSuiteTarget): void {
  describe(name, () => {
    storeReadsAndWrites(target);
    storeGuards(target);
    storeUploads(target);
  });
}
