import { contract } from '@vodkit/contract';

export interface SessionOptions {
  /** A session token to start with, e.g. one kept in storage across page loads. */
  sessionId?: string;
  /** Keep the session of `register`/`login` and send it on later calls; forget it on logout. Default true. */
  keepSession?: boolean;
  /** Called whenever the kept session changes, to persist it (undefined: forgotten). */
  onSessionChange?: (sessionId: string | undefined) => void;
}

const { register, login, logout, deleteUser } = contract.api;

/** The session a client sends, and the rules that keep it in step with the server. */
export class SessionKeeper {
  #id: string | undefined;
  readonly #keep: boolean;
  readonly #onChange: ((sessionId: string | undefined) => void) | undefined;

  constructor({ sessionId, keepSession = true, onSessionChange }: SessionOptions) {
    this.#id = sessionId;
    this.#keep = keepSession;
    this.#onChange = onSessionChange;
  }

  get id(): string | undefined {
    return this.#id;
  }

  set(id: string | undefined): void {
    if (id === this.#id) return;
    this.#id = id;
    try {
      this.#onChange?.(id);
    } catch (error) {
      // The call that brought the session succeeded; a failing persistence hook (a full
      // localStorage) must not turn it into a failure and lose the session.
      console.error('vodkit client: onSessionChange threw', error);
    }
  }

  /**
   * Learns from an answer: a new session from register/login; none after logout or deleting
   * the account; none when the server no longer knows the one that was sent.
   */
  observe(route: unknown, status: number, body: unknown, sent: string | undefined): void {
    if (!this.#keep) return;
    if ((route === register && status === 201) || (route === login && status === 200)) {
      this.set((body as { session_id: string }).session_id);
      return;
    }
    // Only the kept session is forgotten: not when the call carried other credentials, nor
    // when a newer login replaced it while the call was on its way.
    if (sent === undefined || sent !== this.#id) return;
    const ended = (route === logout || route === deleteUser) && status === 204;
    if (ended || (status === 401 && codeOf(body) === 'UNAUTHENTICATED')) this.set(undefined);
  }
}

const codeOf = (body: unknown) => (body as { error?: { code?: unknown } } | null)?.error?.code;
