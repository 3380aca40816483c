import { type AppRoute, ContractNoBody } from '@ts-rest/core';
import type { z } from 'zod';
import { VodkitError } from '../errors/vodkit-error.js';
import { jsonResponse } from './json-response.js';
import { readJson } from './read-json.js';
import type { RouteMatch } from './router.js';
import { validate } from './validate.js';

/** A handler as the dispatcher sees it: validated input in, a contract response out. */
export type AnyHandler = (input: {
  params: unknown;
  query: unknown;
  body: unknown;
  request: Request;
  client: string;
}) => Promise<{ status: number; body: unknown } | Response>;

const isSchema = (value: unknown): value is z.ZodTypeAny =>
  typeof value === 'object' && value !== null && 'safeParse' in value;

const jsonBodySchema = (route: AppRoute) => {
  const body = (route as { body?: unknown }).body;
  return body !== ContractNoBody && isSchema(body) ? body : undefined;
};

/**
 * Validates a request against its route (path, then query, then body, before any
 * I/O of the handler's), calls the handler and renders what it returns.
 */
export async function dispatch(match: RouteMatch, request: Request, url: URL, client: string, handler: AnyHandler) {
  const { route } = match.route;
  const params = isSchema(route.pathParams) ? validate(route.pathParams, match.params, 'params') : match.params;
  const query = isSchema(route.query)
    ? validate(route.query, Object.fromEntries(url.searchParams), 'query')
    : undefined;
  const bodySchema = jsonBodySchema(route);
  const body = bodySchema ? validate(bodySchema, await readJson(request), 'body') : undefined;
  request.signal.throwIfAborted();

  const result = await handler({ params, query, body, request, client });
  if (!(result.status in route.responses)) {
    throw new VodkitError('INTERNAL', {
      message: `${match.route.name} answered ${result.status}, not in its contract.`,
    });
  }
  const response = result instanceof Response ? result : jsonResponse(result.status, result.body);
  if (request.method !== 'HEAD' || !response.body) return response;
  await response.body.cancel();
  return new Response(null, response);
}
