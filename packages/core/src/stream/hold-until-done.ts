import { fileBodyOf, withFileBody } from './file-body.js';

/**
 * Calls `done` once the response is over: its body read to the end, failed or
 * cancelled (a client that went away cancels it), or at once when it has none.
 */
export function holdUntilDone(response: Response, done: () => void): Response {
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
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: end, value } = await reader.read();
          if (end) {
            finish();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      async cancel(reason) {
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
