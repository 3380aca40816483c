// @vodkit/core/node: the Node-only pieces an embedder or an operator uses — scrypt passwords, video
// files on disk, multipart uploads through busboy, the MySQL store and its migrations, and
// `openVodkit`, vodkit with all of them. The command is `@vodkit/core/cli`.

export { busboyMultipart } from './node/busboy-multipart.js';
export { type FsStorage, fsStorage } from './node/fs-storage.js';
export { migrate } from './node/mysql/migrate.js';
export {
  addColumn,
  createIndex,
  dropColumn,
  dropIndex,
  type Guarded,
  type Migration,
  migrations,
  type SchemaObject,
  type Statement,
} from './node/mysql/migrations.js';
export { type MysqlStoreOptions, mysqlStore } from './node/mysql/mysql-store.js';
export { type OpenVodkitOptions, openVodkit } from './node/open-vodkit.js';
export { type ScryptParameters, scryptPasswords } from './node/scrypt-passwords.js';
export { openBetterSqlite3 } from './node/sqlite/better-sqlite3.js';
