// One scheduler process of bench/scheduler.mjs: vodkit with the scheduler service alone (its
// deletion runner) on SQLite or MySQL and the local disk, through the public API, driven over IPC
// by the benchmark. Not meant to be run by hand.
//
//   argv: <sqlite:path | mysql://… url> <data dir> <batchSize|default> <concurrency|default>
//
// It opens the store, answers `ready`, starts vodkit (and so the runner) on `go`, and on `stop`
// closes it gracefully (the runner finishes what it holds, then the store closes) and answers
// `stopped` with what it measured: how many deletions it made and failed, and the time spent in
// each step (claim, file delete, complete, fail), summed over calls — with several executors the
// sums overlap and exceed the wall time.
import { createVodkit, sqliteStore } from '../packages/core/dist/index.js';
import { fsStorage, mysqlStore, openBetterSqlite3, scryptPasswords } from '../packages/core/dist/node.js';

const [url, dataDir, batchArg, concurrencyArg] = process.argv.slice(2);
const setting = (value) => (value === 'default' ? undefined : Number(value));
const batchSize = setting(batchArg);
const concurrency = setting(concurrencyArg);

const steps = {};
/** Wraps an async method so its calls and time are counted under `name`. */
function timed(name, fn) {
  const step = { calls: 0, ms: 0, rows: 0, resolved: 0 };
  steps[name] = step;
  return async (...args) => {
    const started = performance.now();
    try {
      const result = await fn(...args);
      if (Array.isArray(result)) step.rows += result.length;
      step.resolved++;
      return result;
    } finally {
      step.calls++;
      step.ms += performance.now() - started;
    }
  };
}

// SQLite: one connection of this process to the file the other workers share (its default busy
// timeout, 5 s). MySQL: a pool big enough for every executor plus the dispatcher (its default is 10).
const store = url.startsWith('sqlite:')
  ? sqliteStore(openBetterSqlite3(url.slice('sqlite:'.length)))
  : await mysqlStore({ url, connectionLimit: Math.max(10, (concurrency ?? 4) + 2) });
const disk = await fsStorage(dataDir);
const { deletions } = store;
// The runner reaches the queue and the files through the store and the storage vodkit is given.
const timedStore = {
  ...store,
  deletions: {
    ...deletions,
    claim: timed('claim', deletions.claim.bind(deletions)),
    complete: timed('complete', deletions.complete.bind(deletions)),
    fail: timed('fail', deletions.fail.bind(deletions)),
    release: timed('release', deletions.release.bind(deletions)),
  },
};
const storage = { ...disk, delete: timed('file delete', disk.delete.bind(disk)) };
const errors = [];
const logger = {
  info: () => {},
  error: (message, fields) => {
    if (errors.length < 20) errors.push(`${message} ${JSON.stringify(fields)}`);
  },
};

/** Starts vodkit, whose scheduler service starts its deletion runner at once. */
const start = () =>
  createVodkit({
    store: timedStore,
    storage,
    passwords: scryptPasswords(),
    services: ['scheduler'],
    scheduler: {
      intervalMs: 100,
      ...(batchSize ? { batchSize } : {}),
      ...(concurrency ? { concurrency } : {}),
    },
    logger,
  });

let vodkit;
let cpuAtStart;
process.on('message', async (message) => {
  if (message === 'go') {
    cpuAtStart = process.cpuUsage();
    vodkit = start();
  } else if (message === 'stop') {
    // The runner's stop, then the store's close.
    await vodkit.close();
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    // The runner counts a deletion once its `complete` returns, and a failure per `fail` it records.
    const stats = { deleted: steps.complete.resolved, failed: steps.fail.calls };
    process.send({ type: 'stopped', stats, steps, errors, cpuSeconds }, () => process.exit(0));
  }
});
// The benchmark went away: do not linger.
process.on('disconnect', () => process.exit(1));
process.send({ type: 'ready' });
