import { conformance } from './suite.js';
import { nodeHost } from './targets.js';

conformance('node', nodeHost);
