import type { AppRouter } from '@ts-rest/core';
import { apiContract, healthContract, resumableContract, schedulerContract, streamContract } from '@vodkit/contract';
import { commentHandlers } from './handlers/comments.js';
import { healthHandlers } from './handlers/health.js';
import { resumableHandlers, tusAnswerHeaders } from './handlers/resumable.js';
import { schedulerHandler } from './handlers/scheduler.js';
import { streamHandler } from './handlers/stream.js';
import type { HandlerDeps, Handlers } from './handlers/types.js';
import { type UploadDeps, uploadHandler } from './handlers/upload.js';
import { userHandlers } from './handlers/users.js';
import { videoFiles } from './handlers/video-files.js';
import { videoHandlers } from './handlers/videos.js';
import type { AnyHandler } from './http/dispatch.js';
import { type CompiledRoute, flattenContract } from './http/router.js';
import type { ServiceName } from './services.js';

export interface RouteGroup {
  service: ServiceName | 'health';
  contract: AppRouter;
  handlers: Record<string, AnyHandler>;
  /** Headers on every answer of the group's routes, errors included. */
  answerHeaders?: Record<string, string>;
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
  answerHeaders?: Record<string, string>,
): RouteGroup => ({
  service,
  contract,
  handlers: handlers as unknown as Record<string, AnyHandler>,
  answerHeaders,
});

export interface ServedRoute extends CompiledRoute {
  service: RouteGroup['service'];
  handler: AnyHandler;
  /** Whether the request holds a stream token until its answer is over: streams and uploads of bytes. */
  holdsToken: boolean;
}

/** How long a resumable upload's lease lasts unless renewed: how long an instance that died mid-PATCH holds it. */
const RESUMABLE_LEASE_MS = 10_000;
/** How often a long PATCH makes its bytes durable and records them. */
const RESUMABLE_CHECKPOINT_MS = 2_000;

/** The stream service's routes that move a file's bytes, and so hold a stream token. */
const MOVES_BYTES = new Set(['stream.streamVideo', 'stream.uploadVideo', 'stream.createUpload', 'stream.appendUpload']);

/** The routes of the enabled services (and `/healthz`), each with its handler. */
export function servedRoutes(
  services: readonly ServiceName[],
  deps: HandlerDeps,
  { upload, schedulerToken }: { upload?: UploadDeps | undefined; schedulerToken?: string | undefined },
): ServedRoute[] {
  const groups: RouteGroup[] = [group('health', healthContract, healthHandlers(deps.store, services))];
  if (services.includes('api')) {
    groups.push(group('api', apiContract, { ...userHandlers(deps), ...videoHandlers(deps), ...commentHandlers(deps) }));
  }
  if (services.includes('stream')) {
    if (!upload) throw new Error('The stream service needs a video storage (the `storage` option).');
    const files = videoFiles(deps.store, upload.storage);
    const timing = {
      clock: upload.clock,
      leaseMs: RESUMABLE_LEASE_MS,
      checkpointMs: RESUMABLE_CHECKPOINT_MS,
      expiryMs: upload.resumableExpiryMs,
    };
    groups.push(
      group('stream', streamContract, {
        streamVideo: streamHandler(deps.store, upload.storage, upload.idleTimeoutMs),
        uploadVideo: uploadHandler(deps, upload, files),
      }),
      group('stream', resumableContract, resumableHandlers(deps, { ...upload, files, timing }), tusAnswerHeaders),
    );
  }
  if (services.includes('scheduler')) {
    if (!schedulerToken) throw new Error('The scheduler service needs a scheduler token.');
    const handler = schedulerHandler({
      store: deps.store,
      token: schedulerToken,
      now: deps.now,
      wake: deps.deletionsQueued,
    });
    groups.push(group('scheduler', schedulerContract, { deleteVideo: handler }));
  }
  return groups.flatMap(({ service, contract, handlers, answerHeaders }) =>
    flattenContract(contract, `${service}.`).map((route) => {
      const handler = handlers[route.name.slice(service.length + 1)];
      if (!handler) throw new Error(`No handler for ${route.name}`);
      return { ...route, service, handler, holdsToken: MOVES_BYTES.has(route.name), answerHeaders };
    }),
  );
}
