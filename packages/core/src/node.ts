// Node-only pieces: scrypt, the MySQL store, configuration from flags and environment.

export { busboyMultipart } from './node/busboy-multipart.js';
export { ConfigError, flags, parseConfig, type VodkitConfig } from './node/config.js';
export { type FsStorage, fsStorage } from './node/fs-storage.js';
export { migrate } from './node/mysql/migrate.js';
export { type Migration, migrations } from './node/mysql/migrations.js';
export { createMysqlStore, type MysqlStoreOptions, mysqlStore } from './node/mysql/mysql-store.js';
export { type OpenVodkitOptions, openStore, openVodkit } from './node/open-vodkit.js';
export { type CliHost, main, runCli } from './node/run-cli.js';
export { type ScryptParameters, scryptPasswords } from './node/scrypt-passwords.js';
export { withWebApp } from './node/web-app.js';
