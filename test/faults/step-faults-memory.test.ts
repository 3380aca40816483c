import { memoryKind } from '../support/stores.js';
import { stepFaultSuite } from './step-faults.js';

stepFaultSuite(memoryKind);
