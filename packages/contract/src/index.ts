// The contract alone, for servers and clients alike: zod and ts-rest, no server code, nothing from Node.
export { apiContract, healthContract } from './api.js';
export { type Contract, contract } from './contract.js';
export { type ErrorCode, errorCodes } from './error-codes.js';
export { hasErrorMark, vodkitClientErrorMark, vodkitErrorMark } from './error-mark.js';
export { type ErrorBodyOf, type ErrorCodeOf, errorBody } from './responses.js';
export {
  resumableContract,
  TUS_BYTES_TYPE,
  TUS_EXTENSIONS,
  TUS_VERSION,
  TusCreationHeaders,
  TusHeaders,
  TusPatchHeaders,
  UploadIdParams,
} from './resumable.js';
export { DeletionQueued, schedulerContract } from './scheduler.js';
export * from './schemas.js';
export { RangeHeaders, streamContract } from './stream.js';
