import type { AppRoute, AppRouter, ServerInferRequest, ServerInferResponses } from '@ts-rest/core';
import type { AbuseGuard } from '../auth/abuse-limits.js';
import type { PasswordHasher } from '../auth/password-hasher.js';
import type { Sessions } from '../auth/sessions.js';
import type { OwnAnswer } from '../http/dispatch.js';
import type { Store } from '../store/types.js';

/** What handlers work with; built once per vodkit instance. */
export interface HandlerDeps {
  store: Store;
  passwords: PasswordHasher;
  sessions: Sessions;
  /** Creation timestamps: strictly increasing within this process so newest-first is stable. */
  now: () => Date;
  newId: () => string;
  /** Prefix of `stream_url`: empty for same-origin, or the stream service's origin. */
  streamBaseUrl: string;
  /** Called after deletions were queued, to wake a scheduler running in this process. */
  deletionsQueued: () => void;
  abuse: AbuseGuard;
  /** Live sessions one user may hold; logging in beyond it revokes the ones expiring soonest. */
  sessionsPerUser: number;
}

/** The request as the contract describes it, already validated. */
export type HandlerInput<R extends AppRoute> = ServerInferRequest<R> & {
  request: Request;
  /** The client's address as abuse limits count it (see `clientAddress`). */
  client: string;
};

/** A handler answers with a contract response, or with an answer of its own for bodies that are not JSON. */
export type Handler<R extends AppRoute> = (input: HandlerInput<R>) => Promise<ServerInferResponses<R> | OwnAnswer>;

export type Handlers<T extends AppRouter> = {
  [K in keyof T]: T[K] extends AppRoute ? Handler<T[K]> : never;
};
