import type { PasswordHasher } from './auth/password-hasher.js';
import { newSessionToken } from './auth/session-token.js';
import { createSessions } from './auth/sessions.js';
import { creationClock } from './clock.js';
import { VodkitError } from './errors/vodkit-error.js';
import type { HandlerDeps } from './handlers/types.js';
import { dispatch } from './http/dispatch.js';
import { createMatcher } from './http/router.js';
import { consoleLogger, type Logger } from './logger.js';
import { type ServedRoute, servedRoutes } from './route-groups.js';
import { createDeletionRunner, type DeletionRunner, type DeletionRunnerOptions } from './scheduler/runner.js';
import type { ServiceName } from './services.js';
import type { VideoStorage } from './storage/types.js';
import type { Store } from './store/types.js';
import { holdUntilDone } from './stream/hold-until-done.js';
import { createTokenBucket, type TokenBucket } from './stream/token-bucket.js';
import type { MultipartFileReader } from './upload/multipart.js';

export interface VodkitOptions {
  store: Store;
  passwords: PasswordHasher;
  /** Where video files live; needed by the stream service. */
  storage?: VideoStorage;
  /** Reads the file of a multipart/form-data upload; without it uploads take raw video/* bodies only. */
  multipart?: MultipartFileReader;
  /** Route groups to serve. Default: api, plus stream and scheduler when there is a storage. `/healthz` is always served. */
  services?: readonly ServiceName[];
  /** Streams and uploads served at once; the next one is 429. Default 64. */
  streamTokens?: number;
  /** Largest upload in bytes. Default 2 GiB. */
  maxUploadBytes?: number;
  /** Bearer token of the scheduler route. Default: random, readable as `vodkit.schedulerToken`. */
  schedulerToken?: string;
  /** Tuning of the deletion runner the scheduler service starts (interval, batch, concurrency, lease, retries). */
  scheduler?: Omit<DeletionRunnerOptions, 'queue' | 'storage' | 'clock' | 'logger'>;
  /** Idle lifetime of a session; each use slides it. Default 24 hours. */
  sessionTtlMs?: number;
  /** Prefix of every `stream_url`, for a stream service on another origin. Default: same origin. */
  streamBaseUrl?: string;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  logger?: Logger;
}

export interface Vodkit {
  /** Serves every route of the enabled services. Never rejects: failures are error responses. */
  fetch(request: Request): Promise<Response>;
  /** Stops serving (503 from then on) and closes the store. */
  close(): Promise<void>;
  readonly services: readonly ServiceName[];
  readonly store: Store;
  /** The stream service's tokens; one bucket per instance. */
  readonly tokens: TokenBucket;
  /** The secret of `DELETE /scheduler/videos/:vid`, when the scheduler service runs. */
  readonly schedulerToken: string | undefined;
  /** The deletion runner, when the scheduler service runs in this instance. */
  readonly runner: DeletionRunner | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function createVodkit(options: VodkitOptions): Vodkit {
  const { store, passwords, storage } = options;
  const services = options.services ?? (storage ? ['api', 'stream', 'scheduler'] : ['api']);
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  const tokens = createTokenBucket(options.streamTokens ?? 64);
  const scheduling = services.includes('scheduler');
  if (scheduling && !storage) throw new Error('The scheduler service needs a video storage (the `storage` option).');
  const runner =
    scheduling && storage
      ? createDeletionRunner({ ...options.scheduler, queue: store.deletions, storage, clock, logger })
      : undefined;
  const schedulerToken = scheduling ? (options.schedulerToken ?? newSessionToken()) : undefined;
  const deps: HandlerDeps = {
    store,
    passwords,
    sessions: createSessions({ store, now: () => new Date(clock()), ttlMs: options.sessionTtlMs ?? DAY_MS }),
    now: creationClock(clock),
    newId: () => crypto.randomUUID(),
    streamBaseUrl: options.streamBaseUrl?.replace(/\/+$/, '') ?? '',
    deletionsQueued: () => runner?.wake(),
  };
  const upload = storage && {
    storage,
    multipart: options.multipart,
    maxUploadBytes: options.maxUploadBytes ?? 2 * 1024 ** 3,
  };
  const match = createMatcher(servedRoutes(services, deps, { upload, schedulerToken }));
  runner?.start();
  let closed = false;

  /** Stream and upload requests hold a token until their response is over. */
  const serve = async (route: ServedRoute, params: Record<string, string>, request: Request, url: URL) => {
    if (route.service !== 'stream') return dispatch({ route, params }, request, url, route.handler);
    const release = tokens.take();
    if (!release) throw new VodkitError('TOO_MANY_REQUESTS', { headers: { 'retry-after': '1' } });
    try {
      return holdUntilDone(await dispatch({ route, params }, request, url, route.handler), release);
    } catch (error) {
      release();
      throw error;
    }
  };

  return {
    services,
    store,
    tokens,
    schedulerToken,
    runner,
    async fetch(request) {
      try {
        if (closed) throw new VodkitError('UNAVAILABLE', { message: 'This vodkit instance is shutting down.' });
        const url = new URL(request.url);
        const found = match(request.method, url.pathname);
        return await serve(found.route, found.params, request, url);
      } catch (error) {
        if (error instanceof VodkitError) return error.toResponse();
        // The client went away: whatever failed after that is not a fault to log, and nobody reads the answer.
        if (request.signal.aborted) return new VodkitError('CLIENT_CLOSED_REQUEST').toResponse();
        logger.error('request failed', {
          method: request.method,
          url: request.url,
          error: error instanceof Error ? error.stack : String(error),
        });
        return new VodkitError('INTERNAL').toResponse();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Deletions in flight finish and unstarted claims go back before the store closes.
      await runner?.stop();
      await store.close();
    },
  };
}
