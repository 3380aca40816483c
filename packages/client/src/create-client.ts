import {
  type ApiFetcher,
  type AppRoute,
  type AppRouter,
  type ClientInferResponses,
  type InitClientReturn,
  initClient,
  insertParamsIntoPath,
} from '@ts-rest/core';
import { contract } from '@vodkit/contract';
import { Exchange, type RawResult, readBody } from './exchange.js';
import { SessionKeeper, type SessionOptions } from './session.js';
import type { UploadOptions, UploadRequest, UploadResult } from './upload.js';
import type { ResumableOutcome, ResumableRequest } from './upload-tus.js';

export interface VodkitClientOptions extends SessionOptions {
  /** Where the API service answers, e.g. `https://vod.example` (no trailing path needed). */
  baseUrl: string;
  /** The stream service (streams and uploads), when it runs elsewhere. Default: baseUrl. */
  streamBaseUrl?: string;
  /** The scheduler service, when it runs elsewhere. Default: baseUrl. */
  schedulerBaseUrl?: string;
  /** The scheduler's token, for `deleteVideoNow` and `scheduler.deleteVideo`. */
  schedulerToken?: string;
  /**
   * A fetch to use instead of the default (undici with a keep-alive pool in Node, the global fetch
   * in browsers). Resumable uploads do not use it: tus-js-client has its own HTTP stack.
   */
  fetch?: typeof globalThis.fetch;
  /** Check success bodies against the contract's schemas too. Default false; error bodies are always checked. */
  validateResponse?: boolean;
}

/** How an entry point talks to the network. */
export interface Transport<Source> {
  fetch: typeof globalThis.fetch;
  upload(request: UploadRequest<Source>): Promise<RawResult>;
  /** A tus upload with tus-js-client, which brings its own HTTP stack. */
  resumable(request: ResumableRequest<Source>): Promise<ResumableOutcome>;
  close(): Promise<void>;
}

type Args = { baseUrl: string; api: ApiFetcher };
type Routes<R extends AppRouter> = InitClientReturn<R, Args>;
type Contract = typeof contract;
type UploadArgs = {
  params: { vid: string };
  body: Blob | { file: Blob };
  fetchOptions?: { signal?: AbortSignal | null };
};

export type DeleteVideoNowResult = ClientInferResponses<Contract['scheduler']['deleteVideo']>;

export interface VodkitClient<Source> {
  /** Accounts, sessions, videos and comments; every result is `{ status, body, headers }` typed by status. */
  readonly api: Routes<Contract['api']>;
  /** `streamVideo` (the body is the byte stream) and `uploadVideo` (prefer `upload`, which streams and reports progress). */
  readonly stream: Routes<Contract['stream']>;
  readonly scheduler: Routes<Contract['scheduler']>;
  readonly health: Routes<Contract['health']>;
  /** The session sent with authenticated calls. */
  readonly sessionId: string | undefined;
  setSessionId(sessionId: string | undefined): void;
  /**
   * Streams a file into a pending video; results keyed by status like any route. With
   * `resumable: true`, in chunks with tus (retried, and resumed by a later call after an abort).
   */
  upload(vid: string, source: Source, options?: UploadOptions): Promise<UploadResult>;
  /** The URL of the video's bytes, for `<video src>`. */
  streamUrl(vid: string): string;
  /** Queues the video for deletion through the scheduler service, with its token. */
  deleteVideoNow(vid: string, options?: { token?: string; signal?: AbortSignal }): Promise<DeleteVideoNowResult>;
  /** Closes the connection pool of the default Node transport; a no-op elsewhere. */
  close(): Promise<void>;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * Path parameters are encoded, so a value with `/`, `?` or `#` stays one segment (ts-rest inserts
 * them as they are). `.` and `..` cannot be: URLs resolve them, even encoded, to another path;
 * and an empty one would drop its segment, making another route's path.
 */
function encodeParams(params: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => {
      const text = String(value);
      if (text === '' || text === '.' || text === '..') {
        throw new TypeError(`The path parameter ${key} cannot be "${text}".`);
      }
      return [key, encodeURIComponent(text)];
    }),
  );
}

const pathOf = (route: AppRoute, params: Record<string, string>) =>
  insertParamsIntoPath({ path: route.path, params: encodeParams(params) });

function encodingParams<R extends AppRouter>(routes: Routes<R>): Routes<R> {
  const wrap = (node: unknown): unknown =>
    typeof node === 'function'
      ? async (args?: { params?: Record<string, string> }) =>
          node(args?.params ? { ...args, params: encodeParams(args.params) } : args)
      : Object.fromEntries(Object.entries(node as object).map(([key, child]) => [key, wrap(child)]));
  return wrap(routes) as Routes<R>;
}

/** Builds the client on a transport; the entry points pick the transport. */
export function createClient<Source>(options: VodkitClientOptions, transport: Transport<Source>): VodkitClient<Source> {
  const session = new SessionKeeper(options);
  const exchange = new Exchange({
    session,
    schedulerToken: options.schedulerToken,
    validateResponse: options.validateResponse ?? false,
  });
  const baseUrl = trimSlash(options.baseUrl);
  const streamBase = trimSlash(options.streamBaseUrl ?? baseUrl);
  const schedulerBase = trimSlash(options.schedulerBaseUrl ?? baseUrl);

  const api: ApiFetcher = async ({ route, path, method, headers, body, fetchOptions }) => {
    const sent = exchange.headers(route, headers);
    const response = await transport.fetch(path, { ...fetchOptions, method, headers: sent, body });
    return exchange.settle(route, sent, {
      status: response.status,
      headers: response.headers,
      body: await readBody(route, response),
    });
  };
  const routes = <R extends AppRouter>(router: R, url: string) =>
    encodingParams<R>(initClient(router, { baseUrl: url, api }) as Routes<R>);

  const scheduler = routes(contract.scheduler, schedulerBase);

  const apiRoutes = routes(contract.api, baseUrl);

  /**
   * A tus upload, answered as the one-shot upload route answers: a refusal is settled as that
   * route's result (its error body checked against the contract), and success is the video, now
   * `ready`, from the API (the last PATCH answers 204 without a body).
   */
  const resumableUpload = async (vid: string, source: Source, options: UploadOptions): Promise<UploadResult> => {
    const route = contract.resumable.createUpload;
    const headers = exchange.headers(route, {});
    const endpoint = `${streamBase}${pathOf(route, { vid })}`;
    const outcome = await transport.resumable({ endpoint, vid, headers, source, options });
    if (!outcome.done) return exchange.settle(contract.stream.uploadVideo, headers, outcome.answer) as UploadResult;
    // Not with the caller's signal: the file is in, and an abort now would report otherwise.
    return (await apiRoutes.getVideo({ params: { vid } })) as UploadResult;
  };

  const upload = async (vid: string, source: Source, uploadOptions: UploadOptions = {}) => {
    if (uploadOptions.resumable) return resumableUpload(vid, source, uploadOptions);
    const route = contract.stream.uploadVideo;
    const headers = exchange.headers(route, {});
    const url = `${streamBase}${pathOf(route, { vid })}`;
    const result = await transport.upload({ url, headers, source, options: uploadOptions });
    return exchange.settle(route, headers, result) as UploadResult;
  };

  const stream = routes(contract.stream, streamBase);
  // ts-rest would send the file inside a FormData its fetch may not take (undici's wants its
  // own class): the route goes through upload() instead, raw and streamed.
  stream.uploadVideo = (({ params, body, fetchOptions }: UploadArgs) =>
    upload(params.vid, (body instanceof Blob ? body : body.file) as Source, {
      signal: fetchOptions?.signal ?? undefined,
    })) as typeof stream.uploadVideo;

  return {
    api: apiRoutes,
    stream,
    scheduler,
    health: routes(contract.health, baseUrl),
    get sessionId() {
      return session.id;
    },
    setSessionId: (id) => session.set(id),
    upload,
    streamUrl: (vid) => `${streamBase}${pathOf(contract.stream.streamVideo, { vid })}`,
    deleteVideoNow: (vid, { token, signal } = {}) =>
      scheduler.deleteVideo({
        params: { vid },
        extraHeaders: token ? { authorization: `Bearer ${token}` } : {},
        fetchOptions: signal ? { signal } : {},
      }),
    close: () => transport.close(),
  };
}
