/**
 * `source`, calling `done` once it is over: read to the end, failed or cancelled (a client
 * that went away cancels it). A stream its reader stops pulling for `idleMs` (a client that
 * stopped reading, whose socket is full) fails and counts as over, so what it holds comes back.
 */
export function heldStream(
  source: ReadableStream<Uint8Array>,
  done: () => void,
  idleMs = Number.POSITIVE_INFINITY,
): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const reader = source.getReader();
  let idle: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        clearTimeout(idle);
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            finish();
            controller.close();
            return;
          }
          controller.enqueue(value);
          if (Number.isFinite(idleMs)) {
            idle = setTimeout(() => {
              finish();
              const stalled = new Error(`The client read nothing for ${idleMs} ms.`);
              controller.error(stalled);
              reader.cancel(stalled).catch(() => {});
            }, idleMs);
          }
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      async cancel(reason) {
        clearTimeout(idle);
        finish();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The response with its body held as `heldStream` holds it; `done` at once when it has none. */
export function holdUntilDone(response: Response, done: () => void, idleMs = Number.POSITIVE_INFINITY): Response {
  if (!response.body) {
    done();
    return response;
  }
  return new Response(heldStream(response.body, done, idleMs), response);
}
