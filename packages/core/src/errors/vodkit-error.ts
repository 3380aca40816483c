import { type ErrorCode, errorCodes, hasErrorMark, vodkitErrorMark } from '@vodkit/contract';
import { type AnswerHeaders, type BytesAnswer, jsonAnswer, toResponse } from '../http/answer.js';

/** One problem of a refused request, as `details[]` of the error body lists it. */
export interface ErrorDetail {
  /** Where the problem is, such as `body.user_name` or `params.vid`. */
  path: string;
  message: string;
}

/** What a VodkitError says beyond its code. */
export interface VodkitErrorOptions {
  message?: string;
  details?: ErrorDetail[];
  /** Extra response headers (lower-case names), such as `retry-after`. */
  headers?: AnswerHeaders;
  cause?: unknown;
}

/** `Error` where engines let a program say how many frames a stack keeps (V8, JavaScriptCore). */
const traced = Error as ErrorConstructor & { stackTraceLimit?: number };

/** The one error type of vodkit: thrown anywhere, it renders itself as the one error shape. */
export class VodkitError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: AnswerHeaders | undefined;

  constructor(code: ErrorCode, options: VodkitErrorOptions = {}) {
    // A refusal of the request (4xx) is control flow, not a fault: no stack is captured for it,
    // which in a deep chain of awaits costs more than the rest of answering a 404.
    const limit = traced.stackTraceLimit;
    if (errorCodes[code].status < 500) traced.stackTraceLimit = 0;
    try {
      super(options.message ?? errorCodes[code].message, { cause: options.cause });
    } finally {
      traced.stackTraceLimit = limit;
    }
    this.name = 'VodkitError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }

  /** The mark `isVodkitError` looks for: on the prototype, so it is neither serialised nor shown. */
  get [vodkitErrorMark](): true {
    return true;
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

  /** The error as the answer a host writes (see `Vodkit.answer`). */
  toAnswer(): BytesAnswer {
    return jsonAnswer(this.status, this.toJSON(), this.headers);
  }

  toResponse(): Response {
    return toResponse(this.toAnswer());
  }
}

/**
 * Whether `value` is a server-side VodkitError (not the client's `VodkitClientError`), recognised
 * by its mark rather than `instanceof`, so an error thrown by another copy of `@vodkit/core` (say,
 * the one an embedding app bundles beside a host's) is still answered with its own status and code.
 */
export const isVodkitError = (value: unknown): value is VodkitError => hasErrorMark(value, vodkitErrorMark);

/**
 * Codes with which drivers say a server cannot be reached or stopped answering (Node's socket
 * errors, mysql2's): a store adapter that lets one through means "unavailable", not a bug.
 */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/** A driver's "the server cannot be reached or stopped answering": marked `fatal`, or a known code. */
export const isUnreachable = (error: unknown): boolean => {
  const { code, fatal } = (error ?? {}) as { code?: unknown; fatal?: unknown };
  return fatal === true || (typeof code === 'string' && UNREACHABLE.has(code));
};

/**
 * The error as vodkit answers it: a VodkitError as is, a driver's "cannot reach the server"
 * (marked `fatal`, or a known code) as 503 UNAVAILABLE with Retry-After; undefined for anything
 * else, which is a fault (500).
 */
export function asVodkitError(error: unknown): VodkitError | undefined {
  if (isVodkitError(error)) return error;
  if (isUnreachable(error)) {
    return new VodkitError('UNAVAILABLE', {
      message: 'A service vodkit depends on does not answer right now; retry shortly.',
      headers: { 'retry-after': '1' },
      cause: error,
    });
  }
  return undefined;
}

/** An error for a log line: its stack (message included), and its code when it has one. */
export const describeError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.stack ?? error.message}${typeof code === 'string' ? ` (${code})` : ''}`;
};
