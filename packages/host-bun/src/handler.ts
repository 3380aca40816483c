import { type Answer, type ConnectionInfo, type FileAnswer, toResponse } from '@vodkit/core';
import type { FileSends } from './file-sends.js';
import { hostRefusal, isJoinedHost, withDefaultHost } from './host-header.js';

/**
 * Anything with vodkit's host contract: `fetch(request, info)` answering a `Response`;
 * `info` carries the peer's address and the request-target to check. A vodkit instance also
 * has `answer`, the same answers in a form written without building a Response first.
 */
export interface FetchHandler {
  fetch(request: Request, info?: ConnectionInfo): Promise<Response>;
  answer?(request: Request, info?: ConnectionInfo): Promise<Answer>;
}

/** What `handle` needs of the request's connection. */
export interface RequestContext {
  /** The server the request came to: its peer address, its idle timer. */
  server: Pick<Bun.Server<undefined>, 'requestIP' | 'timeout'>;
  /** The target for vodkit to check (see raw-target.ts); undefined when Bun's router did not see it. */
  target?: string | undefined;
}

/**
 * Bun's idle timer in whole seconds (at most 255), for at least `ms` of idleness. Bun checks
 * its timers on 4-second ticks, so a timer of n seconds fires between n - 4 and n seconds
 * after the last byte moved: 4 seconds more and it is never early.
 */
const idleSeconds = (ms: number) => Math.min(255, Math.ceil(ms / 1000) + 4);

/**
 * Bun applies the request's Range itself to a file answer that has no Content-Range. vodkit
 * sends the whole file (200) despite a Range it ignores (one it cannot parse, or an If-Range
 * that no longer matches), and Bun would make that a 206 or a 416: such an answer goes as
 * vodkit's own stream instead (chunked, a case no player relies on).
 */
const rangeIgnored = (request: Request, answer: FileAnswer) =>
  answer.headers['content-range'] === undefined && request.headers.has('range');

/**
 * Serves one request: vodkit's answer as Bun takes it (Bun streams request bodies), a range
 * of a file on disk by Bun's own file response, with its Content-Length and sendfile. The
 * answer is done (its stream token goes back) when the send is over; a send that moves no
 * bytes for the file's idle timeout is cut, which ends it.
 *
 * Every request comes through here, so it does no more than it must: one read of the
 * headers (the Host), no listener on the request's signal, one promise step after vodkit's.
 */
export function handle(
  app: FetchHandler,
  request: Request,
  sends: FileSends,
  { server, target }: RequestContext,
): Promise<Response> {
  const host = request.headers.get('host');
  if (isJoinedHost(host)) return Promise.resolve(hostRefusal());
  const remoteAddress = server.requestIP(request)?.address;
  const leave = sends.enter(request, remoteAddress);
  let answering: Promise<Answer>;
  try {
    const own = host === null ? withDefaultHost(request) : request;
    const info = { remoteAddress, target };
    answering = app.answer ? app.answer(own, info) : app.fetch(own, info);
  } catch (error) {
    // Thrown rather than rejected (by a FetchHandler that is not vodkit): the same failure.
    leave();
    return Promise.reject(error);
  }
  return answering.then(
    (answer) => {
      leave();
      return toBun(answer, request, sends, server, remoteAddress);
    },
    (error: unknown) => {
      leave();
      throw error;
    },
  );
}

/** vodkit's answer as the Response Bun sends. */
function toBun(
  answer: Answer,
  request: Request,
  sends: FileSends,
  server: RequestContext['server'],
  client: string | undefined,
): Response {
  if (answer instanceof Response) return answer;
  if (answer.kind === 'bytes') return new Response(answer.body, answer);
  if (rangeIgnored(request, answer)) return toResponse(answer);
  const { file } = answer;
  sends.hold(answer.done, request, { client, bytes: file.end - file.start + 1 });
  // Bun sets a request's idle timer back to the server's when its answer starts; set once the
  // answer is under way (after this function's promise is taken up), it holds for the send.
  setImmediate(() => {
    try {
      server.timeout(request, idleSeconds(file.idleTimeoutMs));
    } catch {
      // A send already over has no timer left to set.
    }
  });
  return new Response(Bun.file(file.path).slice(file.start, file.end + 1), answer);
}
