import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { describe, it } from 'vitest';

/** The MariaDB/MySQL server the MySQL suites run against: `mysql://root@127.0.0.1:3306/test`. */
export const mysqlTestUrl = process.env.VODKIT_TEST_DATABASE_URL || undefined;

/**
 * `describe` for suites that need MySQL. Without VODKIT_TEST_DATABASE_URL they
 * skip and say so; under CI a skipped MySQL suite is a failure instead.
 */
export function describeMysql(name: string, suite: (url: string) => void) {
  if (mysqlTestUrl) return describe(name, () => suite(mysqlTestUrl));
  if (process.env.CI) {
    return describe(name, () => {
      it('needs VODKIT_TEST_DATABASE_URL', () => {
        throw new Error('CI is set but VODKIT_TEST_DATABASE_URL is not: the MySQL suites cannot be skipped in CI.');
      });
    });
  }
  console.warn(
    `[vodkit] skipping MySQL suite "${name}": set VODKIT_TEST_DATABASE_URL=mysql://root@127.0.0.1:3306/test`,
  );
  return describe.skip(name, () => suite(''));
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server, so suites never see each other's rows. */
export async function freshDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `vodkit_test_${randomBytes(6).toString('hex')}`;
  const admin = await createConnection(serverUrl);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const conn = await createConnection(serverUrl);
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
