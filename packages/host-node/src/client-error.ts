import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorCodes } from '@vodkit/core';
import { answerElsewhere, responsesOn } from './in-flight.js';

const codeFor = (error: NodeJS.ErrnoException): ErrorCode => {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'VALIDATION';
  }
};

/** The answer, then the connection closed once it is flushed: the rest of what the client sends is not read. */
function answer(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const code = codeFor(error);
  const { status, message } = errorCodes[code];
  const body = JSON.stringify({ error: { code, message } });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * A `clientError` listener for requests node:http cannot parse: a bad request line or
 * header, headers over the limit, a body whose framing breaks (a bad chunk size, an
 * unknown transfer coding), a request too slow to arrive. Node answers those by itself
 * with an empty body, or, once a request is in flight, not at all; this answers in the
 * one error shape (400, 431, 408, 413) whenever no answer has begun on the socket.
 *
 * It knows the responses of vodkit's listener on the socket: a request whose body broke
 * is answered here and its listener then writes nothing; an error in a request pipelined
 * behind others is answered after theirs. A response already under way can only be cut.
 * `busy` forces the cut, for a server whose own routes may be answering on the socket.
 */
export function writeClientError(error: NodeJS.ErrnoException, socket: Duplex, busy = false): void {
  if (busy || error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const pending = responsesOn(socket);
  const last = pending.at(-1);
  let before = pending;
  if (last && !last.req.complete) {
    // The request still arriving is the one whose bytes broke the parser: this is its answer.
    if (last.headersSent) {
      socket.destroy();
      return;
    }
    answerElsewhere(last);
    before = pending.slice(0, -1);
  }
  const previous = before.at(-1);
  if (!previous) {
    answer(error, socket);
    return;
  }
  // Answers go out in request order: this one after the answer to the request before it.
  previous.once('finish', () => answer(error, socket));
  previous.once('close', () => {
    if (!previous.writableFinished) socket.destroy();
  });
}
