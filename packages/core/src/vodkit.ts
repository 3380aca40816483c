import { type AbuseLimits, createAbuseLimits } from './auth/abuse-limits.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import { newSessionToken } from './auth/session-token.js';
import { createSessions } from './auth/sessions.js';
import { creationClock } from './clock.js';
import { defaults } from './defaults.js';
import { asVodkitError, describeError, isVodkitError, VodkitError } from './errors/vodkit-error.js';
import type { HandlerDeps } from './handlers/types.js';
import { type Answer, type BytesAnswer, type FileAnswer, toResponse, withHeaders } from './http/answer.js';
import { clientAddress, trustedSet } from './http/client-address.js';
import { type CorsOptions, createCors, withCors } from './http/cors.js';
import { dispatch, type OwnAnswer } from './http/dispatch.js';
import { type ConnectionInfo, checkRequestTarget, requestPath } from './http/request-target.js';
import { createMatcher, createMethodLookup } from './http/router.js';
import { keepStreamTokens } from './internals.js';
import { consoleLogger, type Logger } from './logger.js';
import { type ServedRoute, servedRoutes } from './route-groups.js';
import { expirySweepInterval, startExpiredUploadSweeper } from './scheduler/expired-uploads.js';
import { createDeletionRunner, type SchedulerOptions } from './scheduler/runner.js';
import type { ServiceName } from './services.js';
import type { VideoStorage } from './storage/types.js';
import type { Store } from './store/types.js';
import { holdUntilDone } from './stream/hold-until-done.js';
import { createTokenBucket } from './stream/token-bucket.js';
import type { MultipartFileReader } from './upload/multipart.js';

/** What `createVodkit` is made of: a store and a password hasher, the rest optional with defaults. */
export interface VodkitOptions {
  store: Store;
  passwords: PasswordHasher;
  /** Where video files live; needed by the stream service. */
  storage?: VideoStorage;
  /** Reads the file of a multipart/form-data upload; without it uploads take raw video/* bodies only. */
  multipart?: MultipartFileReader;
  /** Route groups to serve. Default: api, plus stream and scheduler when there is a storage. `/healthz` is always served. */
  services?: readonly ServiceName[];
  /** Streams and uploads served at once; the next one is 429. Default: `defaults.streamTokens`. */
  streamTokens?: number;
  /** Stream tokens one client address may hold at once. Default: `defaults.streamTokensPerClient`. */
  streamTokensPerClient?: number;
  /** Largest upload in bytes. Default: `defaults.maxUploadBytes`. */
  maxUploadBytes?: number;
  /**
   * An unfinished resumable (tus) upload expires this long after its last bytes, and the scheduler
   * removes its bytes and record. Default: `defaults.resumableExpiryMs` (24 hours).
   */
  resumableExpiryMs?: number;
  /**
   * A stream send or an upload body that moves no bytes for this long ends and gives its
   * token back (a client that stopped reading or sending). Default: `defaults.streamIdleTimeoutMs`.
   */
  streamIdleTimeoutMs?: number;
  /** Bearer token of the scheduler route. Default: random, readable as `vodkit.schedulerToken`. */
  schedulerToken?: string;
  /** Tuning of the deletion runner the scheduler service starts (interval, batch, concurrency, lease, retries). */
  scheduler?: SchedulerOptions;
  /** Idle lifetime of a session; each use slides it. Default: `defaults.sessionTtlMs`. */
  sessionTtlMs?: number;
  /** Live sessions per user; a login beyond it revokes the ones expiring soonest. Default: `defaults.sessionsPerUser`. */
  sessionsPerUser?: number;
  /** Failed password checks per account and per address, comments per user; `null` lifts one. Defaults: `defaults.passwordFailuresPerAccount`, `…PerClient`, `defaults.commentsPerUser`. */
  limits?: Partial<AbuseLimits>;
  /**
   * Addresses of proxies in front of vodkit: a request from one of them is counted against
   * the client its `X-Forwarded-For` names. Default none: the peer address counts.
   */
  trustedProxies?: readonly string[];
  /**
   * Prefix of every `stream_url` (`https://stream.example`, a trailing slash or not), for a
   * stream service on another origin. Default: none, `stream_url` is a same-origin path.
   */
  streamBaseUrl?: string;
  /**
   * Lets pages of other origins call every route from a browser: `origins` lists them exactly
   * (`https://app.example`), or is `*` for any. Default: off, no CORS headers at all.
   */
  cors?: CorsOptions;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  logger?: Logger;
}

/** A vodkit instance: its services behind one `fetch`, for a host or an embedding app to call. */
export interface Vodkit {
  /**
   * Serves every route of the enabled services. Never rejects: failures are error responses.
   * Hosts pass what they know of the connection in `info` (the peer address, the raw target).
   */
  fetch(request: Request, info?: ConnectionInfo): Promise<Response>;
  /**
   * What `fetch` answers, in the form a host writes fastest: bytes, a file range to send (the
   * host calls its `done` once the send is over), or a Response. Hosts use it; embedders use `fetch`.
   */
  answer(request: Request, info?: ConnectionInfo): Promise<Answer>;
  /** Stops serving (503 from then on) and closes the store. */
  close(): Promise<void>;
  readonly services: readonly ServiceName[];
  readonly store: Store;
  /** The secret of `DELETE /scheduler/videos/:vid`, when the scheduler service runs. */
  readonly schedulerToken: string | undefined;
}

/** A file answer outside the stream service: nothing is held. */
const finished = (answer: OwnAnswer): Answer =>
  answer instanceof Response || answer.kind === 'bytes' ? answer : { ...answer, done: () => {} };

/** `release`, made safe to call more than once. */
const once = (release: () => void): FileAnswer['done'] => {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    release();
  };
};

/** How often expired sessions and ended rate windows are swept from the store. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Makes a vodkit instance: the route groups of `options.services` over the given store, served by
 * `fetch` (and `answer`, for hosts), with the scheduler's deletion runner and the session sweeper
 * started. It listens on nothing and touches no signal: a host serves it, and `close()` stops it.
 */
export function createVodkit(options: VodkitOptions): Vodkit {
  const { store, passwords, storage } = options;
  const services = options.services ?? (storage ? defaults.services : ['api']);
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  const tokens = createTokenBucket(
    options.streamTokens ?? defaults.streamTokens,
    options.streamTokensPerClient ?? defaults.streamTokensPerClient,
  );
  const trusted = trustedSet(options.trustedProxies);
  const scheduling = services.includes('scheduler');
  if (scheduling && !storage) throw new Error('The scheduler service needs a video storage (the `storage` option).');
  const runner =
    scheduling && storage
      ? createDeletionRunner({ ...options.scheduler, queue: store.deletions, storage, clock, logger })
      : undefined;
  const schedulerToken = scheduling ? (options.schedulerToken ?? newSessionToken()) : undefined;
  const wallClock = () => new Date(clock());
  const resumableExpiryMs = options.resumableExpiryMs ?? defaults.resumableExpiryMs;
  const deps: HandlerDeps = {
    store,
    passwords,
    sessions: createSessions({ store, now: wallClock, ttlMs: options.sessionTtlMs ?? defaults.sessionTtlMs }),
    now: creationClock(clock),
    newId: () => crypto.randomUUID(),
    streamBaseUrl: options.streamBaseUrl?.replace(/\/+$/, '') ?? '',
    deletionsQueued: () => runner?.wake(),
    abuse: createAbuseLimits(
      store,
      {
        passwordFailuresPerAccount: defaults.passwordFailuresPerAccount,
        passwordFailuresPerClient: defaults.passwordFailuresPerClient,
        commentsPerUser: defaults.commentsPerUser,
        ...options.limits,
      },
      wallClock,
    ),
    sessionsPerUser: options.sessionsPerUser ?? defaults.sessionsPerUser,
  };
  const upload = storage && {
    storage,
    multipart: options.multipart,
    maxUploadBytes: options.maxUploadBytes ?? defaults.maxUploadBytes,
    idleTimeoutMs: options.streamIdleTimeoutMs ?? defaults.streamIdleTimeoutMs,
    resumableExpiryMs,
    clock,
  };
  const routes = servedRoutes(services, deps, { upload, schedulerToken });
  const match = createMatcher(routes);
  // Checked and written once, before anything starts: a bad origin throws here.
  const cors = options.cors && createCors(options.cors);
  runner?.start();
  const expiredUploads =
    scheduling && storage
      ? startExpiredUploadSweeper({
          store,
          storage,
          clock,
          logger,
          everyMs: expirySweepInterval(resumableExpiryMs),
        })
      : undefined;
  const sweeper = services.includes('api') ? startSweeper(store, wallClock, logger, SWEEP_INTERVAL_MS) : undefined;
  let closed = false;
  /** Requests still in a handler: close() lets them finish (an upload removes its temp file). */
  const inFlight = new Set<Promise<unknown>>();

  /** Stream and upload requests hold a token until their answer is over. */
  const serve = async (
    route: ServedRoute,
    params: Record<string, string>,
    request: Request,
    search: string,
    client: string,
  ): Promise<Answer> => {
    if (!route.holdsToken) return finished(await dispatch({ route, params }, request, search, client, route.handler));
    const release = tokens.take(client);
    if (!release) {
      throw new VodkitError('TOO_MANY_REQUESTS', {
        message: 'Too many streams and uploads at once; retry shortly.',
        headers: { 'retry-after': '1' },
      });
    }
    try {
      return held(await dispatch({ route, params }, request, search, client, route.handler), release);
    } catch (error) {
      release();
      throw error;
    }
  };
  const held = (answer: OwnAnswer, release: () => void): Answer => {
    if (answer instanceof Response) return holdUntilDone(answer, release, upload?.idleTimeoutMs);
    if (answer.kind === 'bytes') {
      release();
      return answer;
    }
    return { ...answer, done: once(release) };
  };

  const answer = async (request: Request, info: ConnectionInfo | undefined): Promise<Answer> => {
    /** The matched route's headers for every answer (tus's version), errors included. */
    let always: Record<string, string> | undefined;
    try {
      if (closed) throw new VodkitError('UNAVAILABLE', { message: 'This vodkit instance is shutting down.' });
      const target = info?.target;
      if (target !== undefined) checkRequestTarget(target);
      const { pathname, search } = requestPath(request);
      const found = match(request.method, pathname);
      always = found.route.answerHeaders;
      // X-Forwarded-For is read only when a proxy may have written it.
      const forwardedFor = trusted.size > 0 ? request.headers.get('x-forwarded-for') : null;
      const client = clientAddress(info?.remoteAddress, forwardedFor, trusted);
      const served = await serve(found.route, found.params, request, search, client);
      return always ? withHeaders(served, always) : served;
    } catch (error) {
      const refused = refusal(error, request);
      return always ? withHeaders(refused, always) : refused;
    }
  };
  /** The error answer of a request that failed; server-side failures are logged. */
  const refusal = (error: unknown, request: Request): BytesAnswer => {
    // The client went away: whatever failed after that (its body cut short, too) is not a fault
    // to log, and nobody reads the answer.
    if (!isVodkitError(error) && request.signal.aborted) return new VodkitError('CLIENT_CLOSED_REQUEST').toAnswer();
    const refused = asVodkitError(error) ?? new VodkitError('INTERNAL', { cause: error });
    // A server-side failure (a full disk, a store that does not answer, a bug) is logged with its
    // cause, so the operator learns why; refusals of the request itself are not.
    if (refused.status >= 500 && refused.cause !== undefined) {
      logger.error('request failed', {
        method: request.method,
        url: request.url,
        code: refused.code,
        error: describeError(refused.cause),
      });
    }
    return refused.toAnswer();
  };
  const tracked = (request: Request, info: ConnectionInfo | undefined) => {
    const answering = answer(request, info);
    inFlight.add(answering);
    void answering.finally(() => inFlight.delete(answering));
    return answering;
  };
  // Without CORS the answers are exactly `tracked`'s: nothing is read or added per request.
  const served = cors
    ? withCors(tracked, { cors, methodsAt: createMethodLookup(routes), serving: () => !closed })
    : tracked;

  const vodkit: Vodkit = {
    services,
    store,
    schedulerToken,
    answer: served,
    fetch: async (request, info) => toResponse(await served(request, info)),
    async close() {
      if (closed) return;
      closed = true;
      sweeper?.stop();
      // Handlers still running (their clients cut by the host's stop) finish their cleanup first.
      await Promise.allSettled([...inFlight]);
      // Deletions in flight finish and unstarted claims go back before the store closes.
      await Promise.all([runner?.stop(), expiredUploads?.stop()]);
      await store.close();
    },
  };
  keepStreamTokens(vodkit, tokens);
  return vodkit;
}

/** Sweeps expired sessions and ended rate windows now and then; a failed sweep is logged and tried again later. */
function startSweeper(store: Store, now: () => Date, logger: Logger, everyMs: number) {
  const sweep = () => {
    const at = now();
    Promise.all([store.sessions.sweep(at), store.limits.sweep(at)]).catch((error: unknown) =>
      logger.error('sweep failed', { error: describeError(error) }),
    );
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  // A sweep never keeps a process alive on its own.
  (timer as { unref?: () => void }).unref?.();
  return { stop: () => clearInterval(timer) };
}
