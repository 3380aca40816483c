import { conformance } from './suite.js';
import { bunHost } from './targets.js';

conformance('bun', bunHost);
