import { describe } from 'vitest';
import { describeMysql } from '../../../test/support/mysql.js';
import { memoryKind, mysqlKind } from '../../../test/support/stores.js';
import { storeSuite } from './store-suite.js';

describe('memory store', () => storeSuite(memoryKind));
describeMysql('mysql store', (url) => storeSuite(mysqlKind(url)));
