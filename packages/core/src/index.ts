// @vodkit/core: what an embedder and a host author use, and nothing of the internals. Node-only
// pieces are in `@vodkit/core/node`, the command in `@vodkit/core/cli`, the store suite in
// `@vodkit/core/testing`; docs/api.md lists every entry (generated, checked by test/docs/api.test.ts).

// The contract is @vodkit/contract's; re-exported so that embedders can keep importing it from here.
export { apiContract, type Contract, contract, type ErrorCode, errorCodes, healthContract } from '@vodkit/contract';
export type { PasswordHasher } from './auth/password-hasher.js';
export { defaults, type Rate } from './defaults.js';
export { type ErrorDetail, isVodkitError, VodkitError, type VodkitErrorOptions } from './errors/vodkit-error.js';
export {
  type Answer,
  type AnswerHeaders,
  type BytesAnswer,
  type FileAnswer,
  toResponse,
} from './http/answer.js';
export type { CorsOptions } from './http/cors.js';
export { isValidHost } from './http/host.js';
export type { ConnectionInfo } from './http/request-target.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';
export type { SchedulerOptions } from './scheduler/runner.js';
export { isServiceName, type ServiceName, serviceNames } from './services.js';
export type { FileSource, PutResult, StoredFile, VideoStorage } from './storage/types.js';
export { memoryStore } from './store/memory-store.js';
export type {
  OpenSqlite,
  SqliteDriver,
  SqliteRow,
  SqliteStatement,
  SqliteValue,
} from './store/sqlite/driver.js';
export { type SqliteStoreOptions, sqliteStore } from './store/sqlite/sqlite-store.js';
export type * from './store/types.js';
export type { FileBody } from './stream/file-body.js';
export type { MultipartFileReader } from './upload/multipart.js';
export { createVodkit, type Vodkit, type VodkitOptions } from './vodkit.js';
