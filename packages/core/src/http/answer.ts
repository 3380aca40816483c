import type { FileBody } from '../stream/file-body.js';
import { heldStream } from '../stream/hold-until-done.js';
import { lazyStream } from '../stream/lazy.js';

/** Response headers as vodkit writes them: lower-case names, one value each. */
export type AnswerHeaders = Record<string, string>;

/** An answer whose body is already bytes, or absent: a host writes it in one go. */
export interface BytesAnswer {
  readonly kind: 'bytes';
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly body: Uint8Array<ArrayBuffer> | undefined;
}

/** A range of a file on disk, as a handler answers it: the host sends the file itself. */
export interface FileReply {
  readonly kind: 'file';
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly file: FileBody;
  /** The same bytes as a web stream, for a host that cannot send a file. */
  open(): ReadableStream<Uint8Array>;
}

/** A file answer on its way to a host, which calls `done` once the send is over, failed or cut off. */
export interface FileAnswer extends FileReply {
  /** Gives back what the send holds (its stream token); safe to call more than once. */
  done(): void;
}

/**
 * What vodkit answers a host with (see `Vodkit.answer`): most answers are bytes already, a
 * file send is a path and a range, and anything else (a multipart byte range body) a Response.
 * A host writes the first two without building a web Response or stream.
 */
export type Answer = BytesAnswer | FileAnswer | Response;

const encoder = new TextEncoder();
const JSON_TYPE = 'application/json; charset=utf-8';

/** Every JSON answer vodkit sends: the one content type and an exact length. */
export function jsonAnswer(status: number, body: unknown, headers?: AnswerHeaders): BytesAnswer {
  if (body === undefined) return { kind: 'bytes', status, headers: { ...headers }, body: undefined };
  const bytes = encoder.encode(JSON.stringify(body));
  return {
    kind: 'bytes',
    status,
    headers: { ...headers, 'content-type': JSON_TYPE, 'content-length': String(bytes.byteLength) },
    body: bytes,
  };
}

/** The answer without its body, headers kept: what HEAD gets. */
export async function withoutBody(answer: BytesAnswer | FileReply | Response): Promise<BytesAnswer | Response> {
  if (answer instanceof Response) {
    await answer.body?.cancel();
    return new Response(null, answer);
  }
  return { kind: 'bytes', status: answer.status, headers: answer.headers, body: undefined };
}

/** The answer as a web Response; a file's bytes come as a stream that calls `done` once over. */
export function toResponse(answer: Answer): Response {
  if (answer instanceof Response) return answer;
  const init = { status: answer.status, headers: answer.headers };
  if (answer.kind === 'bytes') return new Response(answer.body ?? null, init);
  return new Response(heldStream(lazyStream(answer.open), answer.done, answer.file.idleTimeoutMs), init);
}
