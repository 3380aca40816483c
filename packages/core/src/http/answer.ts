import type { FileBody } from '../stream/file-body.js';
import { heldStream } from '../stream/hold-until-done.js';
import { lazyStream } from '../stream/lazy.js';

/** Response headers as vodkit writes them: lower-case names, one value each. */
export type AnswerHeaders = Record<string, string>;

/**
 * An answer whose body is whole already, or absent: a host writes it in one go. A string body
 * is sent as UTF-8; its `content-length` counts those bytes.
 */
export interface BytesAnswer {
  readonly kind: 'bytes';
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly body: string | Uint8Array<ArrayBuffer> | undefined;
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

const JSON_TYPE = 'application/json; charset=utf-8';

/** The length of `text` in UTF-8, counted without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one 4-byte character: 2 UTF-16 units, 2 more bytes.
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Every JSON answer vodkit sends: the one content type and an exact length. The body stays a
 * string: a host writes it with the headers in one write, and no buffer is made for it.
 */
export function jsonAnswer(status: number, body: unknown, headers?: AnswerHeaders): BytesAnswer {
  if (body === undefined) return { kind: 'bytes', status, headers: { ...headers }, body: undefined };
  const text = JSON.stringify(body);
  const length = String(utf8Length(text));
  // Without extra headers, one object literal: the shape every plain JSON answer shares.
  const all = headers
    ? { ...headers, 'content-type': JSON_TYPE, 'content-length': length }
    : { 'content-type': JSON_TYPE, 'content-length': length };
  return { kind: 'bytes', status, headers: all, body: text };
}

/** The answer without its body, headers kept: what HEAD gets. */
export async function withoutBody(answer: BytesAnswer | FileReply | Response): Promise<BytesAnswer | Response> {
  if (answer instanceof Response) {
    await answer.body?.cancel();
    return new Response(null, answer);
  }
  return { kind: 'bytes', status: answer.status, headers: answer.headers, body: undefined };
}

/** `headers` and `extra`; a `vary` in both keeps both. */
const mergeHeaders = (headers: AnswerHeaders, extra: AnswerHeaders): AnswerHeaders => {
  const merged = { ...headers, ...extra };
  if (headers.vary && extra.vary) merged.vary = `${headers.vary}, ${extra.vary}`;
  return merged;
};

/** `response` with `extra` headers; a Response whose headers cannot change is copied, its body kept. */
function decorateResponse(response: Response, extra: AnswerHeaders): Response {
  const apply = (target: Response) => {
    for (const [name, value] of Object.entries(extra)) {
      if (name === 'vary') target.headers.append(name, value);
      else target.headers.set(name, value);
    }
    return target;
  };
  try {
    return apply(response);
  } catch {
    // A Response whose headers are immutable (one from fetch): the first set throws, before any change.
    return apply(new Response(response.body, response));
  }
}

/** `answer` with `extra` headers, whatever its kind; a file answer keeps its `done` and `open`. */
export function withHeaders<A extends Answer>(answer: A, extra: AnswerHeaders): A {
  if (answer instanceof Response) return decorateResponse(answer, extra) as A;
  return { ...answer, headers: mergeHeaders(answer.headers, extra) };
}

/** The answer as a web Response; a file's bytes come as a stream that calls `done` once over. */
export function toResponse(answer: Answer): Response {
  if (answer instanceof Response) return answer;
  const init = { status: answer.status, headers: answer.headers };
  if (answer.kind === 'bytes') return new Response(answer.body ?? null, init);
  return new Response(heldStream(lazyStream(answer.open), answer.done, answer.file.idleTimeoutMs), init);
}
