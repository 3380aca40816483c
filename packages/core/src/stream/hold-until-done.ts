import { fileBodyOf, withFileBody } from './file-body.js';

/**
 * Calls `done` once the response is over: its body read to the end, failed or
 * cancelled (a client that went away cancels it), or at once when it has none.
 * A body its reader stops pulling for `idleMs` (a client that stopped reading, whose
 * socket is full) fails and counts as over, so what it holds comes back.
 */
export function holdUntilDone(response: Response, done: () => void, idleMs = Number.POSITIVE_INFINITY): Response {
  const source = response.body;
  if (!source) {
    done();
    return response;
  }
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const reader = source.getReader();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>(
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
  const held = new Response(body, response);
  const file = fileBodyOf(response);
  return file ? withFileBody(held, file) : held;
}
