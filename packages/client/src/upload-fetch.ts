import { contract } from '@vodkit/contract';
import { type RawResult, readBody } from './exchange.js';
import { abortReason, countingStream, type UploadRequest, uploadContentType } from './upload.js';

/** A source every runtime with fetch can send. */
export type WebUploadSource = Blob | ReadableStream<Uint8Array>;

/**
 * Uploads with fetch. A stream goes as a streamed request body (`duplex: 'half'`), counted as
 * fetch pulls it: undici sends those over HTTP/1.1, browsers only over HTTP/2 (Chromium refuses
 * them on HTTP/1.1, which is why browsers send Blobs with XMLHttpRequest, upload-xhr.ts). With
 * `streamBlobs: false` a Blob goes as itself, which works everywhere, and its progress is
 * reported once, when the answer comes.
 */
export async function fetchUpload(
  fetchFn: typeof fetch,
  { url, headers, source, options }: UploadRequest<WebUploadSource>,
  { streamBlobs }: { streamBlobs: boolean },
): Promise<RawResult> {
  const blob = source instanceof Blob ? source : undefined;
  const total = blob ? blob.size : options.size;
  const whole = blob && !streamBlobs ? blob : undefined;
  const counting = whole
    ? undefined
    : countingStream(blob ? blob.stream() : (source as ReadableStream<Uint8Array>), total, options.onProgress);
  const name = typeof File !== 'undefined' && source instanceof File ? source.name : undefined;
  const init = {
    method: 'POST',
    headers: { ...headers, 'content-type': uploadContentType(options, blob?.type, name) },
    body: whole ?? counting?.stream,
    ...(whole ? {} : { duplex: 'half' }),
    signal: options.signal,
  } as RequestInit;
  try {
    const response = await fetchFn(url, init);
    if (whole) options.onProgress?.({ sent: whole.size, total: whole.size });
    return {
      status: response.status,
      headers: response.headers,
      body: await readBody(contract.stream.uploadVideo, response),
    };
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    throw error;
  } finally {
    // The answer is in (or the request failed): whatever of the source is left is not needed,
    // and a file or generator behind it must be released.
    counting?.stop();
  }
}
