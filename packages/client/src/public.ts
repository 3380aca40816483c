// What both entry points export besides createVodkitClient.
export type { ErrorBodyOf, ErrorCode, ErrorCodeOf } from '@vodkit/contract';
export { contract, errorCodes } from '@vodkit/contract';
export type { DeleteVideoNowResult, VodkitClient, VodkitClientOptions } from './create-client.js';
export {
  type ClientErrorCode,
  type ErrorDetail,
  isVodkitClientError,
  type OkBody,
  unwrap,
  VodkitClientError,
} from './errors.js';
export type { SessionOptions } from './session.js';
export type { ResumableUrlStorage, StoredUpload, UploadOptions, UploadProgress, UploadResult } from './upload.js';
