import { request } from 'node:http';
import { ErrorBody, type ErrorCode } from '@vodkit/contract';
import { expect } from 'vitest';

/** What a request answered; `body` is the parsed JSON, or undefined for an empty body. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: each test parses the body with the contract's schema.
  body: any;
}

export interface SendOptions {
  method?: string;
  /** Sent exactly as written: fetch would resolve `%2e%2e` and friends before they reach the server. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sends the body as `Transfer-Encoding: chunked` instead of with a Content-Length. */
  chunked?: boolean;
}

const CHUNK = 64 * 1024;

const toHeaders = (raw: NodeJS.Dict<string | string[]>) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : [value ?? '']) headers.append(name, one);
  }
  return headers;
};

/** What a request answered, before any parsing: the body as the bytes that came. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/**
 * One request over node:http, bytes as given, the answer's bytes collected. A server may
 * answer before the whole body is sent (a 413) and close: write errors after the answer are expected.
 */
export function exchange(base: string, options: SendOptions): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.chunked) headers['transfer-encoding'] = 'chunked';
  else if (body) headers['content-length'] = body.byteLength;
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      method: options.method ?? 'GET',
      path: options.path,
      headers,
      agent: false,
    });
    let answered = false;
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: toHeaders(res.headers), bytes: Buffer.concat(chunks) }),
      );
    });
    if (body) for (let at = 0; at < body.byteLength; at += CHUNK) req.write(body.subarray(at, at + CHUNK));
    req.end();
  });
}

/** One request over node:http (see `exchange`), the body parsed as JSON when there is one. */
export async function send(base: string, options: SendOptions): Promise<Answer> {
  const { status, headers, bytes } = await exchange(base, options);
  const text = bytes.toString('utf8');
  try {
    const body = text ? JSON.parse(text) : undefined;
    return { status, headers, body };
  } catch {
    throw new Error(`${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Asserts the exact status and code, the one error shape and the one JSON content type. */
export function expectError(answer: Answer, status: number, code: ErrorCode) {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  ErrorBody.parse(answer.body);
  expect(Object.keys(answer.body)).toEqual(['error']);
  for (const key of Object.keys(answer.body.error)) expect(['code', 'message', 'details']).toContain(key);
  expect(answer.body.error.message.length).toBeGreaterThan(0);
}

/** Asserts a JSON success: status, content type, and the body parsed by the contract's schema. */
export function expectJson<T>(answer: Answer, status: number, schema: { parse(value: unknown): T }): T {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return schema.parse(answer.body);
}

/** Asserts a 204: no body, no content type. */
export function expectNoContent(answer: Answer) {
  expect({ status: answer.status, body: answer.body }).toEqual({ status: 204, body: undefined });
}
