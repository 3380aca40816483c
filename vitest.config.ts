import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Tests run against the sources, so one module (and one VodkitError class) serves every package.
  resolve: {
    alias: [
      { find: /^@vodkit\/core\/node$/, replacement: src('./packages/core/src/node.ts') },
      { find: /^@vodkit\/core\/cli$/, replacement: src('./packages/core/src/cli.ts') },
      { find: /^@vodkit\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@vodkit\/contract$/, replacement: src('./packages/contract/src/index.ts') },
      { find: /^@vodkit\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@vodkit\/client\/browser$/, replacement: src('./packages/client/src/browser.ts') },
      { find: /^@vodkit\/client(\/node)?$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@vodkit\/host-node$/, replacement: src('./packages/host-node/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Socket and database suites each make their own server and database, so files can run in parallel.
    fileParallelism: true,
    // Most files wait (on sockets, child processes, leases, a browser) more than they compute: on
    // two cores, one worker per core left the CPU half idle and the run took 665 s, four took 400 s
    // but starved the packaging test's compile of better-sqlite3. Three, then.
    maxWorkers: 3,
  },
});
