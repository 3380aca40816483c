import { z } from 'zod';
import { type ErrorCode, errorCodes } from './error-codes.js';

type ErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 412 | 413 | 415 | 416 | 429 | 500 | 503 | 507;

/** The codes vodkit answers with a given status, so a client can switch on `error.code` exhaustively. */
export type ErrorCodeOf<S extends number> = {
  [K in ErrorCode]: (typeof errorCodes)[K]['status'] extends S ? K : never;
}[ErrorCode];

const codesOf = <S extends number>(status: S) =>
  (Object.keys(errorCodes) as ErrorCode[]).filter((code) => errorCodes[code].status === status) as [
    ErrorCodeOf<S>,
    ...ErrorCodeOf<S>[],
  ];

/** The one error shape, with `code` narrowed to the codes of its status. */
export const errorBody = <S extends ErrorStatus>(status: S) =>
  z.object({
    error: z.object({
      code: z.enum(codesOf(status)),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  });

export type ErrorBodyOf<S extends ErrorStatus> = z.infer<ReturnType<typeof errorBody<S>>>;

const bodies = Object.fromEntries(
  ([400, 401, 403, 404, 408, 409, 412, 413, 415, 416, 429, 500, 503, 507] as const).map((status) => [
    status,
    errorBody(status),
  ]),
) as { [S in ErrorStatus]: ReturnType<typeof errorBody<S>> };

/**
 * The error responses of a route, all in the one error shape. 400, 500 and 503 (the instance
 * is shutting down) apply to every route.
 */
export const errors = <const S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries([400, 500, 503, ...statuses].map((status) => [status, bodies[status as S]])) as {
    [K in S | 400 | 500 | 503]: (typeof bodies)[K];
  };

/** Routes that read a JSON body can also answer 413 (over the limit) and 415 (not JSON). */
export const jsonBodyErrors = <const S extends ErrorStatus>(...statuses: S[]) =>
  errors<S | 413 | 415>(413, 415, ...statuses);
