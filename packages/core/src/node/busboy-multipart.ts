import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import { VodkitError } from '../errors/vodkit-error.js';
import type { MultipartFileReader } from '../upload/multipart.js';

const malformed = (message: string) => new VodkitError('VALIDATION', { details: [{ path: 'body', message }] });

/**
 * multipart/form-data through @fastify/busboy, a maintained streaming parser: the
 * file part is handed on as a stream while the request is still arriving, so no
 * part of the upload is buffered whole.
 */
export const busboyMultipart: MultipartFileReader = (request, field) =>
  new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = new Busboy({
        headers: { 'content-type': request.headers.get('content-type') ?? '' },
        limits: { files: 1, fields: 20, parts: 21, headerPairs: 20 },
      });
    } catch (error) {
      reject(malformed((error as Error).message));
      return;
    }
    let file: Readable | undefined;
    parser.on('file', (name: string, stream: BusboyFileStream) => {
      if (name !== field || file) {
        stream.resume();
        return;
      }
      file = stream;
      resolve(Readable.toWeb(stream) as ReadableStream<Uint8Array>);
    });
    parser.on('finish', () => resolve(undefined));
    parser.on('error', (error: Error) => {
      const failure = malformed(`is not valid multipart/form-data: ${error.message}`);
      // Once the file is handed on, a broken form must fail its stream, not pass as a short file.
      if (file) file.destroy(failure);
      else reject(failure);
    });
    if (!request.body) {
      reject(malformed('is required'));
      return;
    }
    Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>)
      .on('error', (error) => parser.destroy(error))
      .pipe(parser);
  });
