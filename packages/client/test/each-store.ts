import { describe } from 'vitest';
import { describeMysql } from '../../../test/support/mysql.js';
import { memoryKind, mysqlKind, type StoreKind } from '../../../test/support/stores.js';

/** Runs a suite on the memory store and on MariaDB: the client sees the same server either way. */
export function eachStore(title: string, suite: (kind: StoreKind) => void) {
  describe(`${title} (memory)`, () => suite(memoryKind));
  describeMysql(`${title} (mysql)`, (url) => suite(mysqlKind(url)));
}
