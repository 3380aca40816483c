import { VodkitError } from '../errors/vodkit-error.js';
import type { ActiveSession, SessionRecord, Store } from '../store/types.js';
import { hashSessionToken, isWellFormedToken, newSessionToken } from './session-token.js';

export interface SessionsOptions {
  store: Store;
  now: () => Date;
  /** Idle lifetime: every use pushes the expiry this far ahead again. */
  ttlMs: number;
}

export interface MintedSession {
  token: string;
  record: SessionRecord;
}

const unauthenticated = (message?: string) => new VodkitError('UNAUTHENTICATED', message ? { message } : {});

/** The token a request presents: `X-Session-Id`, or `Authorization: Bearer`. */
export function presentedToken(request: Request): string | undefined {
  const header = request.headers.get('x-session-id')?.trim();
  const authorization = request.headers.get('authorization')?.trim();
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (authorization && !bearer) throw unauthenticated('The Authorization header must be "Bearer <session token>".');
  if (header && bearer && header !== bearer) {
    throw unauthenticated('X-Session-Id and Authorization name different sessions.');
  }
  return header || bearer;
}

export function createSessions({ store, now, ttlMs }: SessionsOptions) {
  return {
    /** A new token and the record to store for it; the caller stores it. */
    async mint(userId: string): Promise<MintedSession> {
      const token = newSessionToken();
      const expiresAt = new Date(now().getTime() + ttlMs);
      return { token, record: { idHash: await hashSessionToken(token), userId, expiresAt } };
    },

    /** The session behind the request, its expiry slid forward; 401 when there is none. */
    async authenticate(request: Request): Promise<ActiveSession> {
      const token = presentedToken(request);
      if (!token) throw unauthenticated();
      if (!isWellFormedToken(token)) throw unauthenticated('The session token is not valid.');
      const at = now();
      const session = await store.sessions.findActive(await hashSessionToken(token), at);
      if (!session) throw unauthenticated('The session has expired or was revoked.');
      // Extending on every request would write on every read; once past half its life is enough.
      if (session.expiresAt.getTime() - at.getTime() < ttlMs / 2) {
        session.expiresAt = new Date(at.getTime() + ttlMs);
        await store.sessions.extend(session.idHash, session.expiresAt);
      }
      return session;
    },

    revoke: (session: SessionRecord) => store.sessions.delete(session.idHash),
  };
}

export type Sessions = ReturnType<typeof createSessions>;
