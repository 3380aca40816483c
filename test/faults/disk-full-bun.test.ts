import { fileURLToPath } from 'node:url';
import { bunBinary } from '../support/bun.js';
import { diskFullSuite } from './disk-full-suite.js';

// On Bun the brief asks more: the error line logged for the failure names it (message or code).
diskFullSuite(
  'the Bun CLI',
  { runtime: bunBinary, cli: fileURLToPath(new URL('../../packages/host-bun/dist/cli.js', import.meta.url)) },
  { logsTheError: true },
);
