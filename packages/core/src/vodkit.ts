import type { AppRouter } from '@ts-rest/core';
import type { PasswordHasher } from './auth/password-hasher.js';
import { createSessions } from './auth/sessions.js';
import { creationClock } from './clock.js';
import { apiContract, healthContract } from './contract/api.js';
import { VodkitError } from './errors/vodkit-error.js';
import { commentHandlers } from './handlers/comments.js';
import { healthHandlers } from './handlers/health.js';
import type { HandlerDeps, Handlers } from './handlers/types.js';
import { userHandlers } from './handlers/users.js';
import { videoHandlers } from './handlers/videos.js';
import { type AnyHandler, dispatch } from './http/dispatch.js';
import { createMatcher, flattenContract } from './http/router.js';
import { consoleLogger, type Logger } from './logger.js';
import type { ServiceName } from './services.js';
import type { Store } from './store/types.js';

export interface VodkitOptions {
  store: Store;
  passwords: PasswordHasher;
  /** Route groups to serve. Default: every group. `/healthz` is always served. */
  services?: readonly ServiceName[];
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
}

interface RouteGroup {
  service: ServiceName | 'health';
  contract: AppRouter;
  handlers: Record<string, AnyHandler>;
}

/**
 * Pairs a contract with its handlers, checked by the compiler to cover every
 * route with the right types; past here the dispatcher validates against the
 * same contract, so handlers are stored untyped.
 */
const group = <T extends AppRouter>(
  service: RouteGroup['service'],
  contract: T,
  handlers: Handlers<T>,
): RouteGroup => ({
  service,
  contract,
  handlers: handlers as unknown as Record<string, AnyHandler>,
});

const DAY_MS = 24 * 60 * 60 * 1000;

export function createVodkit(options: VodkitOptions): Vodkit {
  const { store, passwords } = options;
  const services = options.services ?? ['api'];
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  const deps: HandlerDeps = {
    store,
    passwords,
    sessions: createSessions({ store, now: () => new Date(clock()), ttlMs: options.sessionTtlMs ?? DAY_MS }),
    now: creationClock(clock),
    newId: () => crypto.randomUUID(),
    streamBaseUrl: options.streamBaseUrl?.replace(/\/+$/, '') ?? '',
  };

  const groups = [
    group('health', healthContract, healthHandlers(store, services)),
    group('api', apiContract, { ...userHandlers(deps), ...videoHandlers(deps), ...commentHandlers(deps) }),
  ];
  const enabled = groups.filter((group) => group.service === 'health' || services.includes(group.service));
  const handlers = new Map<string, AnyHandler>();
  const routes = enabled.flatMap((group) =>
    flattenContract(group.contract, `${group.service}.`).map((route) => {
      const handler = group.handlers[route.name.slice(group.service.length + 1)];
      if (!handler) throw new Error(`No handler for ${route.name}`);
      handlers.set(route.name, handler);
      return route;
    }),
  );
  const match = createMatcher(routes);
  let closed = false;

  return {
    services,
    store,
    async fetch(request) {
      try {
        if (closed) throw new VodkitError('UNAVAILABLE', { message: 'This vodkit instance is shutting down.' });
        const url = new URL(request.url);
        const found = match(request.method, url.pathname);
        return await dispatch(found, request, url, handlers.get(found.route.name) as AnyHandler);
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
      await store.close();
    },
  };
}
