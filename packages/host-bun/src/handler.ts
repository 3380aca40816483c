import { fileBodyOf } from '@vodkit/core';
import type { FileSends } from './file-sends.js';

/** Anything with vodkit's host contract: `fetch(request)` answering a `Response`. */
export interface FetchHandler {
  fetch(request: Request): Promise<Response>;
}

/**
 * Serves one request: vodkit's answer as is (Bun takes web Responses and streams request
 * bodies), except that a range of a file on disk goes by Bun's own file response, with its
 * Content-Length and sendfile; the core's body, unread, is cancelled when the send is over,
 * which gives the stream token back.
 */
export async function handle(app: FetchHandler, request: Request, sends: FileSends): Promise<Response> {
  const leave = sends.enter(request.signal);
  let response: Response;
  try {
    response = await app.fetch(request);
  } finally {
    leave();
  }
  const file = fileBodyOf(response);
  const coreBody = response.body;
  if (!file || !coreBody) return response;
  sends.hold(() => void coreBody.cancel().catch(() => {}), request.signal);
  return new Response(Bun.file(file.path).slice(file.start, file.end + 1), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
