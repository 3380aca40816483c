import { ErrorBody, type ErrorCode } from '@vodkit/contract';
import { contract } from '@vodkit/core';
import { expect } from 'vitest';
import { multipartBody } from '../support/files.js';
import type { Target } from './targets.js';

export { eventually, mp4Bytes, multipartBody, parseByteranges, webmBytes } from '../support/files.js';

const api = contract.api;

export const JSON_TYPE = 'application/json; charset=utf-8';

/** A well-formed video id that no test creates. */
export const UNKNOWN_VID = '6f1c2a3e-0b4d-4e5f-8a6b-7c8d9e0f1a2b';

/** What a request answered, its body read whole: as bytes, and parsed when it says it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: tests parse bodies with the contract's schemas
  body: any;
}

/** What a test sends as a body; any Uint8Array (a Buffer too) goes on the wire as its bytes. */
export type Body = BodyInit | Uint8Array;

export interface CallOptions {
  method?: string;
  /** Sent as JSON, with its content type. */
  json?: unknown;
  /** Sent as is. */
  body?: Body;
  session?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One request to the target, the answer read to its end. */
export async function call(target: Target, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers = new Headers(options.headers);
  if (options.session) headers.set('x-session-id', options.session);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  // lib.dom's BodyInit wants Uint8Array<ArrayBuffer>; a Buffer's backing may be typed wider, the bytes are the same.
  if (body !== undefined) init.body = body as BodyInit;
  // A stream body must say it may be sent while the answer comes (undici and the in-process Request alike).
  if (body instanceof ReadableStream) Object.assign(init, { duplex: 'half' });
  if (options.signal) init.signal = options.signal;
  return read(await target.fetch(path, init));
}

/** The whole answer; a body that claims to be JSON must parse. */
export async function read(response: Response): Promise<Answer> {
  const bytes = Buffer.from(await response.arrayBuffer());
  let body: unknown;
  if (bytes.length > 0 && response.headers.get('content-type')?.startsWith('application/json')) {
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new Error(`${response.status} with a JSON content type and a body that is not JSON`);
    }
  }
  return { status: response.status, headers: response.headers, bytes, body };
}

/** The exact status and code, the one error shape, the one JSON content type. */
export function expectError(answer: Answer, status: number, code: ErrorCode) {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toBe(JSON_TYPE);
  ErrorBody.parse(answer.body);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error.message.length).toBeGreaterThan(0);
}

/** A JSON success: the status, the one content type, and the body as `schema` parses it. */
export function expectJson<T>(answer: Answer, status: number, schema: { parse(value: unknown): T }): T {
  // The body in the comparison shows the error when the status is wrong.
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
  expect(answer.headers.get('content-type')).toBe(JSON_TYPE);
  return schema.parse(answer.body);
}

/** A 204: nothing in the body. */
export function expectNoContent(answer: Answer) {
  expect({ status: answer.status, length: answer.bytes.length }).toEqual({ status: 204, length: 0 });
}

export interface User {
  userName: string;
  pwd: string;
  session: string;
}

export async function register(target: Target, userName: string, pwd = 'correct horse battery'): Promise<User> {
  const answer = await call(target, '/api/register', { method: 'POST', json: { user_name: userName, pwd } });
  const grant = expectJson(answer, 201, api.register.responses[201]);
  return { userName, pwd, session: grant.session_id };
}

export async function createVideo(target: Target, owner: User, name = 'a video') {
  const answer = await call(target, `/api/user/${owner.userName}/videos`, {
    method: 'POST',
    session: owner.session,
    json: { name },
  });
  return expectJson(answer, 201, api.createVideo.responses[201]);
}

export async function postComment(target: Target, session: string, vid: string, content: string) {
  const answer = await call(target, `/api/videos/${vid}/comments`, { method: 'POST', session, json: { content } });
  return expectJson(answer, 201, api.createComment.responses[201]);
}

/** POST /upload/videos/:vid with a raw body of `type`. */
export const uploadRaw = (
  target: Target,
  vid: string,
  session: string | undefined,
  body: Body,
  type = 'video/mp4',
  signal?: AbortSignal,
) =>
  call(target, `/upload/videos/${vid}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
    ...(session ? { session } : {}),
    ...(signal ? { signal } : {}),
  });

/** POST /upload/videos/:vid with `bytes` as the `file` field of a form, after a field the server ignores. */
export const uploadForm = (target: Target, vid: string, session: string, bytes: Uint8Array) => {
  const form = multipartBody([
    { name: 'title', data: 'ignored' },
    { name: 'file', filename: 'clip.webm', type: 'application/octet-stream', data: bytes },
  ]);
  return call(target, `/upload/videos/${vid}`, {
    method: 'POST',
    session,
    headers: { 'content-type': form.contentType },
    body: form.body,
  });
};

/** A new video of `owner` with `bytes` uploaded: the video the 200 answered. */
export async function readyVideo(target: Target, owner: User, bytes: Uint8Array) {
  const video = await createVideo(target, owner, 'ready');
  const uploaded = expectJson(
    await uploadRaw(target, video.id, owner.session, bytes),
    200,
    api.getVideo.responses[200],
  );
  expect(uploaded.status).toBe('ready');
  return uploaded;
}

/**
 * A request body the test feeds by hand: `first` goes at once, then the stream waits for
 * `push`/`end`. `taken` resolves when the reader has taken what was given and asks for more,
 * which is how a test knows the request is under way without looking inside the server.
 */
export function heldBody(first: Uint8Array) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onTaken = () => {};
  const taken = new Promise<void>((resolve) => {
    onTaken = resolve;
  });
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        c.enqueue(first);
      },
      pull() {
        onTaken();
      },
    },
    // No read-ahead: a pull means the reader really wants the next bytes.
    { highWaterMark: 0 },
  );
  return {
    body,
    taken,
    push: (bytes: Uint8Array) => controller.enqueue(bytes),
    end: () => controller.close(),
  };
}

/** A body of `bytes` in pieces of `size`, streamed with no length known in advance (chunked over a socket). */
export function streamOf(bytes: Uint8Array, size = 64 * 1024) {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      }
    },
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
