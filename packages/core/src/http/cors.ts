import { type Answer, type AnswerHeaders, type BytesAnswer, withHeaders } from './answer.js';
import { type ConnectionInfo, checkRequestTarget, requestPath } from './request-target.js';

/** Which browser origins may call vodkit: exact origins (`https://app.example`), or `*` for any. */
export interface CorsOptions {
  origins: readonly string[] | '*';
}

/** The request headers a preflight allows: vodkit's own, the conditional ones of streams, and tus's. */
export const CORS_ALLOW_HEADERS =
  'content-type, x-session-id, authorization, range, if-range, if-none-match, tus-resumable, upload-length, upload-offset, upload-metadata';

/** The answer headers a page may read besides the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS =
  'Content-Range, Accept-Ranges, Content-Length, ETag, Last-Modified, Retry-After, Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size';

/** How long a browser may keep a preflight's answer: Chromium's ceiling. */
export const CORS_MAX_AGE_SECONDS = 7200;

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** `scheme://host[:port]` and at most a trailing slash: no user, path, query or fragment. */
const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\s]+\/?$/i;

/**
 * The origin `text` names, as a browser's `Origin` header writes it (lower case, no default
 * port), or undefined when `text` is not an http(s) `scheme://host[:port]`.
 */
export function parseOrigin(text: string): string | undefined {
  if (!ORIGIN_SHAPE.test(text)) return undefined;
  try {
    return new URL(text).origin;
  } catch {
    return undefined;
  }
}

/**
 * The origins of `CorsOptions`, each checked and written as a browser sends it; throws an Error
 * naming the first that is not an origin.
 */
export function normaliseOrigins(origins: CorsOptions['origins']): readonly string[] | '*' {
  if (origins === '*') return '*';
  return origins.map((text) => {
    const origin = parseOrigin(text);
    if (origin === undefined) throw new Error(`cors.origins: "${text}" is not an origin (scheme://host[:port])`);
    return origin;
  });
}

export interface Cors {
  /** The headers an answer to `origin` (the request's `Origin`, or null) carries. */
  headersFor(origin: string | null): AnswerHeaders;
  /**
   * A preflight's 204, or undefined when the request is not one this instance answers: an origin
   * not allowed, or a path no route of the enabled services has (`allow`, the methods there).
   */
  preflight(origin: string | null, allow: string | undefined): BytesAnswer | undefined;
}

/**
 * CORS as configured, with every header value written once, here: an allowed origin's answers
 * and preflights are spreads of records made at start. With a list of origins every answer
 * carries `Vary: Origin` (with or without an `Origin`), so a cache never serves one origin's
 * answer to another; with `*` the answers are the same for every origin and need no `Vary`.
 * No credentials mode: sessions travel in headers, never in cookies.
 */
export function createCors(options: CorsOptions): Cors {
  const origins = normaliseOrigins(options.origins);
  const preflightHeaders = (origin: string): AnswerHeaders => ({
    'access-control-allow-origin': origin,
    'access-control-allow-headers': CORS_ALLOW_HEADERS,
    'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    vary: PREFLIGHT_VARY,
  });
  const preflightOf = (headers: AnswerHeaders | undefined, allow: string | undefined): BytesAnswer | undefined =>
    headers && allow
      ? { kind: 'bytes', status: 204, headers: { ...headers, 'access-control-allow-methods': allow }, body: undefined }
      : undefined;

  if (origins === '*') {
    const answers: AnswerHeaders = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    };
    const preflights = preflightHeaders('*');
    return {
      headersFor: () => answers,
      preflight: (origin, allow) => preflightOf(origin === null ? undefined : preflights, allow),
    };
  }
  const varyOnly: AnswerHeaders = { vary: 'Origin' };
  const answers = new Map<string, AnswerHeaders>();
  const preflights = new Map<string, AnswerHeaders>();
  for (const origin of origins) {
    answers.set(origin, {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    });
    preflights.set(origin, preflightHeaders(origin));
  }
  return {
    headersFor: (origin) => (origin === null ? undefined : answers.get(origin)) ?? varyOnly,
    preflight: (origin, allow) => preflightOf(origin === null ? undefined : preflights.get(origin), allow),
  };
}

type AnswerFunction = (request: Request, info?: ConnectionInfo) => Promise<Answer>;

export interface WithCorsOptions {
  cors: Cors;
  /** The methods served at a path (see `createMethodLookup`). */
  methodsAt(pathname: string): string | undefined;
  /** False once the instance stops: then preflights get the answer every request gets. */
  serving(): boolean;
}

/**
 * `answer` with CORS: a preflight from an allowed origin to a served path is answered here
 * (no session, no store), and every other answer gets the headers of its request's origin.
 * Only an instance with CORS on pays for this.
 */
export function withCors(answer: AnswerFunction, { cors, methodsAt, serving }: WithCorsOptions): AnswerFunction {
  /** The path a preflight asks about; undefined for a target the answer itself refuses. */
  const preflightPath = (request: Request, info: ConnectionInfo | undefined) => {
    try {
      if (info?.target !== undefined) checkRequestTarget(info.target);
      return requestPath(request).pathname;
    } catch {
      return undefined;
    }
  };
  return async (request, info) => {
    const origin = request.headers.get('origin');
    if (
      request.method === 'OPTIONS' &&
      origin !== null &&
      request.headers.has('access-control-request-method') &&
      serving()
    ) {
      const pathname = preflightPath(request, info);
      const preflight = pathname === undefined ? undefined : cors.preflight(origin, methodsAt(pathname));
      if (preflight) return preflight;
    }
    return withHeaders(await answer(request, info), cors.headersFor(origin));
  };
}
