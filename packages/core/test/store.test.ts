// Every Store adapter of the repository runs the published store suite, as an outside adapter would.
import { storeSuite } from '@vodkit/core/testing';
import { describeMysql } from '../../../test/support/mysql.js';
import { memoryKind, mysqlKind, sqliteKind } from '../../../test/support/stores.js';

storeSuite('memory store', memoryKind);
storeSuite('sqlite store', sqliteKind);
describeMysql('mysql store', (url) => storeSuite('suite', mysqlKind(url)));
