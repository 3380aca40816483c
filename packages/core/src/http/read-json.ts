import { VodkitError } from '../errors/vodkit-error.js';

/** Fatal: bytes that are not UTF-8 fail instead of turning into replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The largest JSON body any route accepts. */
export const MAX_JSON_BYTES = 1024 * 1024;

const isJson = (contentType: string | null) => {
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  // A parameter value may be a token or a quoted string (RFC 9110 §5.6.6): `charset="utf-8"` is utf-8 too.
  return params.every((param) => !param.startsWith('charset=') || /^charset=(utf-8|"utf-8")$/.test(param));
};

const tooLarge = (limit: number) =>
  new VodkitError('PAYLOAD_TOO_LARGE', { message: `JSON bodies are limited to ${limit} bytes.` });

async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads a JSON request body without trusting the client: the size is capped
 * before and while reading, the bytes must be UTF-8, and the text must parse.
 */
export async function readJson(request: Request, limit = MAX_JSON_BYTES): Promise<unknown> {
  const required = () =>
    new VodkitError('VALIDATION', { details: [{ path: 'body', message: 'is required (a JSON object)' }] });
  const declared = request.headers.get('content-length');
  if (Number(declared) > limit) throw tooLarge(limit);
  // A declared length says whether there is a body without making a stream of it.
  const hasBody = declared !== null ? declared !== '0' : request.body !== null;
  if (!hasBody) throw required();
  if (!isJson(request.headers.get('content-type'))) {
    throw new VodkitError('UNSUPPORTED_MEDIA_TYPE', { message: 'Send the body as application/json; charset=utf-8.' });
  }
  // With its length declared (and checked above), the body is read whole: HTTP/1.1 framing ends
  // it there, and a host may read a whole body without a stream. Else it is capped as it comes.
  const bytes =
    declared !== null
      ? new Uint8Array(await request.arrayBuffer())
      : await readLimited(request.body as ReadableStream<Uint8Array>, limit);
  if (bytes.byteLength > limit) throw tooLarge(limit);
  if (bytes.byteLength === 0) throw required();
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw new VodkitError('MALFORMED_JSON');
  }
}
