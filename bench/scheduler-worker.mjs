// One scheduler process of bench/scheduler.mjs: a deletion runner on MySQL and the local disk,
// driven over IPC by the benchmark. Not meant to be run by hand.
//
//   argv: <database url> <data dir> <batchSize|default> <concurrency|default>
//
// It opens the store, answers `ready`, starts the runner on `go`, and on `stop` stops it
// gracefully, closes the store and answers `stopped` with what it measured: how many deletions
// it made, and the time spent in each step (claim, file delete, complete, fail), summed over
// calls — with several executors the sums overlap and exceed the wall time.
import { createDeletionRunner } from '../packages/core/dist/index.js';
import { fsStorage, mysqlStore } from '../packages/core/dist/node.js';

const [url, dataDir, batchArg, concurrencyArg] = process.argv.slice(2);
const setting = (value) => (value === 'default' ? undefined : Number(value));
const batchSize = setting(batchArg);
const concurrency = setting(concurrencyArg);

const steps = {};
/** Wraps an async method so its calls and time are counted under `name`. */
function timed(name, fn) {
  const step = { calls: 0, ms: 0, rows: 0 };
  steps[name] = step;
  return async (...args) => {
    const started = performance.now();
    try {
      const result = await fn(...args);
      if (Array.isArray(result)) step.rows += result.length;
      return result;
    } finally {
      step.calls++;
      step.ms += performance.now() - started;
    }
  };
}

// A pool big enough for every executor plus the dispatcher (the store's default is 10).
const store = await mysqlStore({ url, connectionLimit: Math.max(10, (concurrency ?? 4) + 2) });
const disk = await fsStorage(dataDir);
const { deletions } = store;
const queue = {
  claim: timed('claim', deletions.claim.bind(deletions)),
  complete: timed('complete', deletions.complete.bind(deletions)),
  fail: timed('fail', deletions.fail.bind(deletions)),
  release: timed('release', deletions.release.bind(deletions)),
};
const storage = { delete: timed('file delete', disk.delete.bind(disk)) };
const errors = [];
const logger = {
  info: () => {},
  error: (message, fields) => {
    if (errors.length < 20) errors.push(`${message} ${JSON.stringify(fields)}`);
  },
};

const runner = createDeletionRunner({
  queue,
  storage,
  intervalMs: 100,
  ...(batchSize ? { batchSize } : {}),
  ...(concurrency ? { concurrency } : {}),
  logger,
});

let cpuAtStart;
process.on('message', async (message) => {
  if (message === 'go') {
    cpuAtStart = process.cpuUsage();
    runner.start();
  } else if (message === 'stop') {
    await runner.stop();
    const cpu = process.cpuUsage(cpuAtStart);
    await store.close();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    process.send({ type: 'stopped', stats: { ...runner.stats }, steps, errors, cpuSeconds }, () => process.exit(0));
  }
});
// The benchmark went away: do not linger.
process.on('disconnect', () => process.exit(1));
process.send({ type: 'ready' });
