// The contract alone, for clients: zod and ts-rest, no server code.
export * from './contract/index.js';
export { type ErrorCode, errorCodes } from './errors/codes.js';
