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
 * before its send has ended, at worst a poll (10 ms) after; and at once when the client goes.
 */
export interface FileSends {
  /** Around vodkit's handler: requests in it are in `pendingRequests` too. */
  enter(): void;
  leave(): void;
  /** Holds `release` until the send that just started is over (or its client gone). */
  hold(release: () => void, signal: AbortSignal): void;
}

const POLL_MS = 10;

export function fileSends(pendingRequests: () => number): FileSends {
  const held: (() => void)[] = [];
  let handling = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const giveBack = (release: () => void) => {
    const at = held.indexOf(release);
    if (at === -1) return;
    held.splice(at, 1);
    release();
  };
  const check = () => {
    const inFlight = Math.max(0, pendingRequests() - handling);
    while (held.length > inFlight) giveBack(held[0] as () => void);
    if (held.length === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    enter: () => {
      handling += 1;
    },
    leave: () => {
      handling -= 1;
    },
    hold(release, signal) {
      held.push(release);
      signal.addEventListener('abort', () => giveBack(release), { once: true });
      timer ??= setInterval(check, POLL_MS);
    },
  };
}
