import { type ErrorCode, errorCodes, hasErrorMark, vodkitClientErrorMark } from '@vodkit/contract';

/** `UNEXPECTED_RESPONSE`: a status the contract does not list, or a body that is not vodkit's (a proxy's page). */
export type ClientErrorCode = ErrorCode | 'UNEXPECTED_RESPONSE';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A response that is not what the caller asked for, with vodkit's error code when the server sent one. */
export class VodkitClientError<C extends ClientErrorCode = ClientErrorCode> extends Error {
  override readonly name = 'VodkitClientError';
  readonly status: number;
  readonly code: C;
  readonly details: ErrorDetail[] | undefined;
  /** The response body as received: the error shape, or whatever else came back. */
  readonly body: unknown;

  /**
   * The code is vodkit's when the body is vodkit's error shape with a code vodkit answers with
   * that status (a host's 405, 408 or 431 too); anything else is `UNEXPECTED_RESPONSE`.
   */
  constructor(status: number, body: unknown) {
    const error = errorOf(body);
    const known = error && (errorCodes as Record<string, { status: number }>)[error.code]?.status === status;
    super(known ? error.message : `Unexpected response with status ${status}.`);
    this.status = status;
    this.code = (known ? error.code : 'UNEXPECTED_RESPONSE') as C;
    this.details = known ? error.details : undefined;
    this.body = body;
  }

  /** The mark `isVodkitClientError` looks for: on the prototype, so it is neither serialised nor shown. */
  get [vodkitClientErrorMark](): true {
    return true;
  }

  /** A listed status whose body the contract does not describe (a proxy's page, a newer server's code). */
  static unexpected(status: number, body: unknown): VodkitClientError {
    const error = new VodkitClientError(status, undefined);
    return Object.assign(error, { body });
  }
}

function errorOf(body: unknown): { code: string; message: string; details?: ErrorDetail[] } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const { error } = body as { error: unknown };
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code, message, details: Array.isArray(details) ? (details as ErrorDetail[]) : undefined };
}

/**
 * Narrows a caught value to a client error, optionally of one code:
 * `isVodkitClientError(e, 'USER_EXISTS')`. The error is recognised by its mark rather than
 * `instanceof`, so one thrown by another copy of @vodkit/client (another version, or CJS beside
 * ESM) is recognised too. A server-side `VodkitError` of @vodkit/core is not a client error.
 */
export function isVodkitClientError<C extends ClientErrorCode = ClientErrorCode>(
  value: unknown,
  code?: C,
): value is VodkitClientError<C> {
  return (
    hasErrorMark(value, vodkitClientErrorMark) && (code === undefined || (value as VodkitClientError).code === code)
  );
}

type Success = 200 | 201 | 204 | 206 | 304;
type Result = { status: number; body: unknown };

/** The body of a success, typed by the route. */
export type OkBody<R extends Result> = Extract<R, { status: Success }>['body'];

/**
 * Opt-in throwing style: the body of a 2xx/304 result, or a `VodkitClientError`
 * carrying the error's code, message and details.
 *
 * ```ts
 * const video = await unwrap(client.api.getVideo({ params: { vid } }));
 * ```
 */
export async function unwrap<R extends Result>(result: R | Promise<R>): Promise<OkBody<R>> {
  const { status, body } = await result;
  if (status >= 200 && status < 400) return body as OkBody<R>;
  throw new VodkitClientError(status, body);
}
