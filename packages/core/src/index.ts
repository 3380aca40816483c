export type { PasswordHasher } from './auth/password-hasher.js';
export type { Contract } from './contract/index.js';
export { apiContract, contract, healthContract } from './contract/index.js';
export { type ErrorCode, errorCodes } from './errors/codes.js';
export { type ErrorDetail, isVodkitError, VodkitError } from './errors/vodkit-error.js';
export {
  type Answer,
  type AnswerHeaders,
  type BytesAnswer,
  type FileAnswer,
  toResponse,
} from './http/answer.js';
export { isValidHost } from './http/host.js';
export { type ConnectionInfo, checkRequestTarget } from './http/request-target.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';
export {
  createDeletionRunner,
  type DeletionRunner,
  type DeletionRunnerOptions,
} from './scheduler/runner.js';
export type { DeletionStats } from './scheduler/types.js';
export { isServiceName, type ServiceName, serviceNames } from './services.js';
export type { FileSource, PutResult, StoredFile, VideoStorage } from './storage/types.js';
export { memoryStore } from './store/memory-store.js';
export type * from './store/types.js';
export type { FileBody } from './stream/file-body.js';
export { createTokenBucket, type Release, type TokenBucket } from './stream/token-bucket.js';
export type { MultipartFileReader } from './upload/multipart.js';
export { createVodkit, type Vodkit, type VodkitOptions } from './vodkit.js';
