import { type AppRoute, isAppRouteOtherResponse, isZodType } from '@ts-rest/core';
import { VodkitClientError } from './errors.js';
import type { SessionKeeper } from './session.js';

/** A response as the typed client hands it out. */
export interface RawResult {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface ExchangeOptions {
  session: SessionKeeper;
  schedulerToken: string | undefined;
  /** Check success bodies against the contract's schemas too (error bodies always are). */
  validateResponse: boolean;
}

type Auth = 'session' | 'scheduler' | undefined;
const authOf = (route: AppRoute): Auth => (route.metadata as { auth?: Auth } | undefined)?.auth;

/** What every transport does around its request: credentials on the way out, contract checks on the way back. */
export class Exchange {
  constructor(readonly options: ExchangeOptions) {}

  /** The route's credentials added to the caller's headers; the caller's own win. */
  headers(route: AppRoute, headers: Record<string, string>): Record<string, string> {
    const out = { ...headers };
    const auth = authOf(route);
    const { session } = this.options;
    if (auth === 'session' && session.id && !out['x-session-id'] && !out.authorization)
      out['x-session-id'] = session.id;
    const token = this.options.schedulerToken;
    if (auth === 'scheduler' && token && !out.authorization) out.authorization = `Bearer ${token}`;
    return out;
  }

  /**
   * The result typed by the contract, or a `VodkitClientError` when the answer is outside it:
   * a status the route does not list, or an error status whose body is not vodkit's error shape.
   */
  settle(route: AppRoute, headersSent: Record<string, string>, result: RawResult): RawResult {
    const schema = (route.responses as Record<number, unknown>)[result.status];
    if (schema === undefined) throw new VodkitClientError(result.status, result.body);
    const check = result.status >= 400 || this.options.validateResponse;
    if (check && isZodType(schema)) {
      const parsed = schema.safeParse(result.body);
      if (!parsed.success) throw VodkitClientError.unexpected(result.status, result.body);
      result = { ...result, body: parsed.data };
    }
    this.options.session.observe(route, result.status, result.body, headersSent['x-session-id']);
    return result;
  }
}

const isJson = (type: string | null) => !!type && /^application\/(.+\+)?json\b/i.test(type);

/**
 * Reads a body the way the route's contract describes it: nothing, the byte stream itself (the
 * file of a video, whatever content type a proxy gave it), or JSON.
 */
export async function readBody(route: AppRoute, response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 304) {
    await response.body?.cancel();
    return undefined;
  }
  const schema = (route.responses as Record<number, Parameters<typeof isAppRouteOtherResponse>[0] | undefined>)[
    response.status
  ];
  if (schema !== undefined && isAppRouteOtherResponse(schema)) return response.body;
  return parseText(response.headers.get('content-type'), await response.text());
}

/** Parses a body received as text (XMLHttpRequest, undici.request) by its content type. */
export function parseText(type: string | null, text: string): unknown {
  if (!isJson(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
