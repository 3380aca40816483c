import { bunHost } from '../conformance/targets.js';
import { fuzzContract } from './suite.js';

// The built CLI (`pnpm build` first). Its passwords use the real scrypt cost, so the routes that make a
// user for every request run fewer times; the same core has them fuzzed in process and on Node.
fuzzContract('bun', bunHost, { runs: 50, freshUserRuns: 15, parserAnswersFirst: true });
