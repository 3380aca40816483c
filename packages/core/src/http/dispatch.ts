import { type AppRoute, ContractNoBody } from '@ts-rest/core';
import type { z } from 'zod';
import { VodkitError } from '../errors/vodkit-error.js';
import { type BytesAnswer, type FileReply, jsonAnswer, withoutBody } from './answer.js';
import { readJson } from './read-json.js';
import type { RouteMatch } from './router.js';
import { validate } from './validate.js';

/** What a handler answers beside a contract response: bytes or a file of its own, or a Response. */
export type OwnAnswer = BytesAnswer | FileReply | Response;

/** A handler as the dispatcher sees it: validated input in, a contract response out. */
export type AnyHandler = (input: {
  params: unknown;
  query: unknown;
  body: unknown;
  request: Request;
  client: string;
}) => Promise<{ status: number; body: unknown } | OwnAnswer>;

const isOwnAnswer = (result: { status: number; body?: unknown } | OwnAnswer): result is OwnAnswer =>
  result instanceof Response || 'kind' in result;

const isSchema = (value: unknown): value is z.ZodTypeAny =>
  typeof value === 'object' && value !== null && 'safeParse' in value;

/** What dispatch needs of a route's contract, looked up once per route instead of per request. */
interface RouteSchemas {
  params: z.ZodTypeAny | undefined;
  query: z.ZodTypeAny | undefined;
  body: z.ZodTypeAny | undefined;
  statuses: ReadonlySet<number>;
}

const compiled = new WeakMap<AppRoute, RouteSchemas>();

const schemasOf = (route: AppRoute): RouteSchemas => {
  let schemas = compiled.get(route);
  if (!schemas) {
    const body = (route as { body?: unknown }).body;
    schemas = {
      params: isSchema(route.pathParams) ? route.pathParams : undefined,
      query: isSchema(route.query) ? route.query : undefined,
      body: body !== ContractNoBody && isSchema(body) ? body : undefined,
      statuses: new Set(Object.keys(route.responses).map(Number)),
    };
    compiled.set(route, schemas);
  }
  return schemas;
};

/**
 * Validates a request against its route (path, then query, then body, before any
 * I/O of the handler's), calls the handler and renders what it returns.
 */
export async function dispatch(
  match: RouteMatch,
  request: Request,
  search: string,
  client: string,
  handler: AnyHandler,
): Promise<OwnAnswer> {
  const schemas = schemasOf(match.route.route);
  const params = schemas.params ? validate(schemas.params, match.params, 'params') : match.params;
  const query = schemas.query
    ? validate(schemas.query, Object.fromEntries(new URLSearchParams(search)), 'query')
    : undefined;
  // A client gone before the end of its body fails the read: the handler never starts.
  const body = schemas.body ? validate(schemas.body, await readJson(request), 'body') : undefined;
  const result = await handler({ params, query, body, request, client });
  if (!schemas.statuses.has(result.status)) {
    throw new VodkitError('INTERNAL', {
      message: `${match.route.name} answered ${result.status}, not in its contract.`,
    });
  }
  const answer = isOwnAnswer(result) ? result : jsonAnswer(result.status, result.body);
  return request.method === 'HEAD' ? withoutBody(answer) : answer;
}
