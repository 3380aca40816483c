import { parseText, type RawResult } from './exchange.js';
import { abortReason, parseHeaders, type UploadRequest, uploadContentType } from './upload.js';

/**
 * Uploads a Blob or File with XMLHttpRequest. Its `upload.onprogress` events are the one way
 * a browser reports bytes sent on HTTP/1.1: Chromium sends a fetch body as a stream only over
 * HTTP/2. The browser reads the file from disk as it sends, so it is never held in memory.
 */
export function xhrUpload({ url, headers, source, options }: UploadRequest<Blob>): Promise<RawResult> {
  const { signal, onProgress } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', url);
    const name = source instanceof File ? source.name : undefined;
    for (const [header, value] of Object.entries(headers)) xhr.setRequestHeader(header, value);
    xhr.setRequestHeader('content-type', uploadContentType(options, source.type, name));
    xhr.upload.onprogress = (event) => onProgress?.({ sent: event.loaded, total: source.size });
    xhr.onload = () => {
      done();
      const responseHeaders = parseHeaders(xhr.getAllResponseHeaders());
      resolve({
        status: xhr.status,
        headers: responseHeaders,
        body: parseText(responseHeaders.get('content-type'), xhr.responseText),
      });
    };
    xhr.onerror = () => {
      done();
      reject(new TypeError('The upload failed: the connection was closed before an answer came.'));
    };
    xhr.onabort = () => {
      done();
      reject(abortReason(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      xhr.send(source);
    } catch (error) {
      done();
      reject(error);
    }
  });
}
