import { nodeHost } from '../conformance/targets.js';
import { fuzzContract } from './suite.js';

fuzzContract('node', nodeHost, { runs: 80 });
