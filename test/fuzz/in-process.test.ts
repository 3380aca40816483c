import { inProcess } from '../conformance/targets.js';
import { fuzzContract } from './suite.js';

fuzzContract('in-process', inProcess, { runs: 150 });
