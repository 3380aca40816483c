import { describe } from 'vitest';
import { describeMysql } from '../../../test/support/mysql.js';
import { memoryKind, mysqlKind } from '../../../test/support/stores.js';
import { storeSuite } from './store-suite.js';
import { storeGuardSuite } from './store-suite-guards.js';

describe('memory store', () => {
  storeSuite(memoryKind);
  storeGuardSuite(memoryKind);
});
describeMysql('mysql store', (url) => {
  storeSuite(mysqlKind(url));
  storeGuardSuite(mysqlKind(url));
});
