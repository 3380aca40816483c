import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import { VodkitError } from '../errors/vodkit-error.js';
import type { MultipartFileReader } from '../upload/multipart.js';

const malformed = (message: string) => new VodkitError('VALIDATION', { details: [{ path: 'body', message }] });

/** RFC 2046: a boundary is 1 to 70 characters. Busboy takes an empty one, which matches any `--`. */
const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;
const hasBoundary = (contentType: string) => {
  const match = BOUNDARY.exec(contentType);
  const boundary = match?.[1] ?? match?.[2] ?? '';
  return boundary.length >= 1 && boundary.length <= 70;
};

const invalidForm = (error: Error) => malformed(`is not valid multipart/form-data: ${error.message}`);

/**
 * multipart/form-data through `@fastify/busboy`, a maintained streaming parser: the
 * file part is handed on as a stream while the request is still arriving, so no
 * part of the upload is buffered whole. The stream ends only once the whole form
 * has been parsed up to its closing boundary; a form cut short fails it instead,
 * so a truncated upload never passes as a short file.
 */
export const busboyMultipart: MultipartFileReader = (request, field) =>
  new Promise((resolve, reject) => {
    if (!request.body) {
      reject(malformed('is required'));
      return;
    }
    const contentType = request.headers.get('content-type') ?? '';
    if (!hasBoundary(contentType)) {
      reject(malformed('needs a multipart/form-data boundary of 1 to 70 characters'));
      return;
    }
    let parser: BusboyInstance;
    try {
      parser = new Busboy({
        headers: { 'content-type': contentType },
        limits: { files: 1, fields: 20, parts: 21, headerPairs: 20 },
      });
    } catch (error) {
      reject(malformed((error as Error).message));
      return;
    }

    // Settles when the parser has read the closing boundary, or fails with the form's error.
    let formParsed: () => void = () => {};
    let formFailed: (error: VodkitError) => void = () => {};
    const form = new Promise<void>((done, fail) => {
      formParsed = done;
      formFailed = fail;
    });
    form.catch(() => {});

    let file: Transform | undefined;
    parser.on('file', (name: string, stream: BusboyFileStream) => {
      if (name !== field || file) {
        stream.resume();
        return;
      }
      const out = new Transform({
        transform: (chunk, _encoding, callback) => callback(null, chunk),
        // The part's own end is not enough: its bytes count only once the form is whole.
        flush: (callback) => {
          form.then(() => callback(), callback);
        },
      });
      file = out;
      stream.on('error', (error: Error) => out.destroy(invalidForm(error)));
      stream.pipe(out);
      resolve(Readable.toWeb(out) as ReadableStream<Uint8Array>);
    });
    parser.on('finish', () => {
      formParsed();
      resolve(undefined);
    });
    const source = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
    let failed = false;
    const fail = (failure: VodkitError) => {
      if (failed) return;
      failed = true;
      formFailed(failure);
      // Once the file is handed on, a broken form must fail its stream, not pass as a short file.
      if (file) file.destroy(failure);
      else reject(failure);
    };
    parser.on('error', (error: Error) => fail(error instanceof VodkitError ? error : invalidForm(error)));
    // Past a limit busboy stops emitting parts but the form would still be read to its end, or,
    // with nothing left to read it, wait for good: the form is refused at once instead, and what
    // is left of the body is no longer read (the host drops it and closes the connection).
    const overLimit = (what: string) => () => {
      fail(malformed(`has ${what}`));
      source.unpipe(parser);
      source.destroy();
    };
    parser.on('partsLimit', overLimit('more than 21 parts'));
    parser.on('filesLimit', overLimit('more than one file'));
    parser.on('fieldsLimit', overLimit('more than 20 fields'));
    source.on('error', (error) => parser.destroy(error)).pipe(parser);
  });
