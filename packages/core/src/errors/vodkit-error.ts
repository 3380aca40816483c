import { jsonResponse } from '../http/json-response.js';
import { type ErrorCode, errorCodes } from './codes.js';

export interface ErrorDetail {
  /** Where the problem is, such as `body.user_name` or `params.vid`. */
  path: string;
  message: string;
}

export interface VodkitErrorOptions {
  message?: string;
  details?: ErrorDetail[];
  headers?: HeadersInit;
  cause?: unknown;
}

/** The one error type of vodkit: thrown anywhere, it renders itself as the one error shape. */
export class VodkitError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: HeadersInit | undefined;

  constructor(code: ErrorCode, options: VodkitErrorOptions = {}) {
    super(options.message ?? errorCodes[code].message, { cause: options.cause });
    this.name = 'VodkitError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }

  toResponse(): Response {
    return jsonResponse(this.status, this.toJSON(), this.headers);
  }
}

export const isVodkitError = (value: unknown): value is VodkitError => value instanceof VodkitError;
