import { ErrorBody } from './schemas.js';

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 416 | 429 | 500 | 503;

/** The error responses of a route, all in the one error shape. 400 and 500 apply to every route. */
export const errors = <const S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries([400, 500, ...statuses].map((status) => [status, ErrorBody])) as Record<
    S | 400 | 500,
    typeof ErrorBody
  >;

/** Routes that read a JSON body can also answer 413 (over the limit) and 415 (not JSON). */
export const jsonBodyErrors = <const S extends ErrorStatus>(...statuses: S[]) =>
  errors<S | 413 | 415>(413, 415, ...statuses);
