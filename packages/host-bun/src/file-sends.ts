/**
 * Stream tokens of file ranges sent by Bun's sendfile path.
 *
 * `new Response(Bun.file(path).slice(…))` is the one body Bun sends with its Content-Length
 * (for a ReadableStream body Bun drops the header and sends chunks: oven-sh/bun#10507), and
 * it goes by sendfile. But Bun tells JavaScript nothing when those bytes are out, and a token
 * must go back only then. What Bun does tell is `server.pendingRequests`, the answers not yet
 * finished, which drops as a send completes. Requests still in vodkit's handler are counted
 * apart, so `pendingRequests - handling` is never below the sends in flight: when fewer sends
 * can be in flight than tokens are held, the oldest are given back. A token is never given back
 * before its send has ended; and at once when the client goes.
 *
 * The count is checked as each request enters, before vodkit takes a token for it: Bun has
 * counted a send as over by the time its client has the last byte, so a client that asks again
 * finds the token of its previous send back. Between requests, a poll (10 ms, while any token
 * is held) gives the others back.
 */

/** What FileSends reads of a request: its abort signal, which Bun makes only when asked. */
export interface Signalled {
  readonly signal: AbortSignal;
}

export interface FileSends {
  /**
   * A request enters vodkit's handler: it is in `pendingRequests` too, until its client goes
   * (Bun stops counting it then). Tokens of sends already over come back first. Call the
   * returned function when the handler is done.
   */
  enter(request: Signalled, client?: string): () => void;
  /** Holds `release` until the send that just started is over (or its client gone). */
  hold(release: () => void, request: Signalled, send?: { client?: string | undefined; bytes?: number }): void;
}

const POLL_MS = 10;

export function fileSends(pendingRequests: () => number): FileSends {
  const held: { release: () => void; forget: () => void; client: string | undefined; bytes: number }[] = [];
  /**
   * The requests in vodkit's handler. Whether each one's client is still there is read only
   * when tokens are held, not as every request enters: most requests (all of the API's) never
   * need it, and Bun makes a request's signal, already aborted if its client went, only when
   * it is read.
   */
  const handling = new Set<Signalled>();
  let timer: ReturnType<typeof setInterval> | undefined;

  const giveBack = (entry: (typeof held)[number]) => {
    const at = held.indexOf(entry);
    if (at === -1) return;
    held.splice(at, 1);
    entry.forget();
    entry.release();
  };
  /**
   * Which held send most likely ended, since Bun does not say: the entering client's own (a
   * client asks again once it has its answer), else the smallest send, else the oldest. The
   * count of tokens is exact either way; the choice keeps each client's share right, so one
   * long download does not make other clients' finished sends count against them.
   */
  const likelyOver = (entering: string | undefined) => {
    const own = entering === undefined ? undefined : held.find((entry) => entry.client === entering);
    if (own) return own;
    let smallest = held[0] as (typeof held)[number];
    for (const entry of held) if (entry.bytes < smallest.bytes) smallest = entry;
    return smallest;
  };
  /** The requests in the handler that Bun still counts: those whose client has not gone. */
  const counted = () => {
    let n = 0;
    for (const request of handling) if (!request.signal.aborted) n += 1;
    return n;
  };
  const check = (entering?: string) => {
    const inFlight = Math.max(0, pendingRequests() - counted());
    while (held.length > inFlight) giveBack(likelyOver(entering));
    if (held.length === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    enter(request, client) {
      handling.add(request);
      if (held.length > 0) check(client);
      return () => handling.delete(request);
    },
    hold(release, request, send = {}) {
      const { signal } = request;
      const entry = {
        release,
        forget: () => signal.removeEventListener('abort', onAbort),
        client: send.client,
        bytes: send.bytes ?? Number.POSITIVE_INFINITY,
      };
      const onAbort = () => giveBack(entry);
      held.push(entry);
      signal.addEventListener('abort', onAbort, { once: true });
      if (!timer) {
        timer = setInterval(() => check(), POLL_MS);
        // Held tokens never keep a stopped process alive; pendingRequests drains on stop anyway.
        timer.unref?.();
      }
    },
  };
}
