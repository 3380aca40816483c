import { nodeCli } from '../support/cli.js';
import { diskFullSuite } from './disk-full-suite.js';

diskFullSuite('the Node CLI', nodeCli, { logsTheError: false });
