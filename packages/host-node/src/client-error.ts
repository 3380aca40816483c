import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorCodes } from '@vodkit/core';

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

/**
 * A `clientError` listener for requests node:http cannot parse (a bad request line or
 * header, headers over the limit, a request too slow to arrive). Node answers those
 * by itself with an empty body; this gives the same statuses in the one error shape.
 * `busy` says whether a response is being written on the socket: bytes written then
 * would corrupt it, so that connection is only cut.
 */
export function writeClientError(error: NodeJS.ErrnoException, socket: Duplex, busy: boolean): void {
  if (busy || error.code === 'ECONNRESET' || !socket.writable) {
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
  // Closed once the answer is flushed: the rest of what the client sends is not read.
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
