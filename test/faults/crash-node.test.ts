import { nodeCli } from '../support/cli.js';
import { crashSuite } from './crash-suite.js';

crashSuite('the Node CLI', nodeCli);
