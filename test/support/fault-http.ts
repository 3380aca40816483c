import { request as httpRequest } from 'node:http';
import { ErrorBody } from '@vodkit/contract';
import { expect } from 'vitest';

/** What a request answered, read whole; `body` is the parsed JSON when the answer says it is JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests parse bodies with the contract's schemas
  body: any;
}

export interface SendOptions {
  method?: string;
  json?: unknown;
  body?: Uint8Array;
  session?: string;
  headers?: Record<string, string>;
  /** Milliseconds after which no answer counts as a hang. Default HANG_MS. */
  hangMs?: number;
}

/**
 * No request of a fault suite may wait longer than this: a hang shows as a failure naming the
 * request, well before the test's own timeout.
 */
export const HANG_MS = 20_000;

const parse = (status: number, headers: Headers, bytes: Buffer, ms: number): Answer => {
  let body: unknown;
  if (bytes.length > 0 && headers.get('content-type')?.startsWith('application/json')) {
    body = JSON.parse(bytes.toString('utf8'));
  }
  return { status, headers, bytes, ms, body };
};

/** One request with undici's fetch, timed, the answer read to its end. */
export async function send(base: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const headers = new Headers(options.headers);
  if (options.session) headers.set('x-session-id', options.session);
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set('content-type', 'application/json');
  } else if (options.body) body = options.body as BodyInit;
  const method = options.method ?? 'GET';
  const hangMs = options.hangMs ?? HANG_MS;
  const started = performance.now();
  try {
    const signal = AbortSignal.timeout(hangMs);
    const response = await fetch(`${base}${path}`, { method, headers, body, signal });
    const bytes = Buffer.from(await response.arrayBuffer());
    return parse(response.status, response.headers, bytes, performance.now() - started);
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    throw new Error(`${method} ${path}: no answer within ${hangMs} ms (it hangs)`);
  }
}

/** The one error shape, with the code the status says. */
export function expectErrorShape(answer: Answer, status: number | 'any 5xx', code?: string) {
  const where = `${answer.status} ${answer.bytes.toString('utf8').slice(0, 300)}`;
  if (status === 'any 5xx') expect(answer.status, where).toBeGreaterThanOrEqual(500);
  else expect(answer.status, where).toBe(status);
  expect(answer.status, where).toBeLessThan(600);
  expect(answer.headers.get('content-type'), where).toBe('application/json; charset=utf-8');
  ErrorBody.parse(answer.body);
  expect(Object.keys(answer.body), where).toEqual(['error']);
  if (code) expect(answer.body.error.code, where).toBe(code);
}

/** `503 UNAVAILABLE` in the one shape, with a Retry-After of whole seconds. */
export function expectUnavailable(answer: Answer) {
  expectErrorShape(answer, 503, 'UNAVAILABLE');
  expect(answer.headers.get('retry-after'), 'Retry-After').toMatch(/^[1-9]\d*$/);
}

/** Registers a user; its name, password and session. */
export async function registerUser(base: string, userName: string, pwd = 'correct horse battery') {
  const answer = await send(base, '/api/register', { method: 'POST', json: { user_name: userName, pwd } });
  if (answer.status !== 201) throw new Error(`register ${userName}: ${answer.status} ${answer.bytes}`);
  return { userName, pwd, session: answer.body.session_id as string };
}

/** A new pending video of the user's; its id. */
export async function createVideoOf(base: string, user: { userName: string; session: string }, name = 'clip') {
  const answer = await send(base, `/api/user/${user.userName}/videos`, {
    method: 'POST',
    session: user.session,
    json: { name },
  });
  if (answer.status !== 201) throw new Error(`create video: ${answer.status} ${answer.bytes}`);
  return answer.body.id as string;
}

/** Uploads `bytes` as a raw video/mp4 body in one go. */
export const uploadBytes = (base: string, vid: string, session: string, bytes: Uint8Array) =>
  send(base, `/upload/videos/${vid}`, {
    method: 'POST',
    session,
    headers: { 'content-type': 'video/mp4' },
    body: bytes,
  });

/** An upload sent in two parts: the test decides when the second leaves, or that it never does. */
export interface SplitUpload {
  /** Sends the rest of the body and ends it. */
  finish(): void;
  /** The answer; rejects if the connection fails before one arrives. */
  answer: Promise<Answer>;
}

/**
 * Starts a raw video/mp4 upload of `bytes` with its Content-Length, over node:http so the
 * body can stop half way: the first `firstPart` bytes go at once, the rest on `finish()`.
 * Write errors after an answer are expected (a server may answer before the body is whole).
 */
export function splitUpload(base: string, vid: string, session: string, bytes: Buffer, firstPart: number): SplitUpload {
  const { hostname, port } = new URL(base);
  const started = performance.now();
  const req = httpRequest({
    host: hostname,
    port,
    method: 'POST',
    path: `/upload/videos/${vid}`,
    headers: { 'content-type': 'video/mp4', 'content-length': bytes.length, 'x-session-id': session },
    agent: false,
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    let answered = false;
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one);
        }
        resolve(parse(res.statusCode ?? 0, headers, Buffer.concat(chunks), performance.now() - started));
      });
    });
  });
  // Nobody may be left waiting on an upload the test abandoned.
  answer.catch(() => {});
  req.write(bytes.subarray(0, firstPart));
  return {
    finish: () => {
      req.end(bytes.subarray(firstPart));
      // Once the body is whole an answer is owed: past HANG_MS the upload counts as hanging.
      const timer = setTimeout(() => {
        req.destroy(
          new Error(`POST /upload/videos/${vid}: no answer within ${HANG_MS} ms of the body's end (it hangs)`),
        );
      }, HANG_MS);
      answer.finally(() => clearTimeout(timer)).catch(() => {});
    },
    answer,
  };
}
