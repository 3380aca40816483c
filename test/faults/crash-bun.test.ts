import { fileURLToPath } from 'node:url';
import { bunBinary } from '../support/bun.js';
import { crashSuite } from './crash-suite.js';

crashSuite('the Bun CLI', {
  runtime: bunBinary,
  cli: fileURLToPath(new URL('../../packages/host-bun/dist/cli.js', import.meta.url)),
});
