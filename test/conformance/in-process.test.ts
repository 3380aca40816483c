import { conformance } from './suite.js';
import { inProcess } from './targets.js';

conformance('in-process', inProcess);
