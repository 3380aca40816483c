import { createClient, type VodkitClient, type VodkitClientOptions } from './create-client.js';
import { fetchUpload, type WebUploadSource } from './upload-fetch.js';
import { xhrUpload } from './upload-xhr.js';

export * from './public.js';

/** A File or Blob (sent with XMLHttpRequest, for progress on HTTP/1.1), or a byte stream (fetch; HTTP/2 in Chromium). */
export type BrowserUploadSource = WebUploadSource;

/**
 * The browser client: the global fetch (or `options.fetch`) for every call. Uploads of a Blob use
 * XMLHttpRequest, the one way to report progress on HTTP/1.1; where there is none (a worker), a
 * Blob goes through fetch as a whole. Imports nothing from Node.
 */
export function createVodkitClient(options: VodkitClientOptions): VodkitClient<BrowserUploadSource> {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return createClient(options, {
    fetch: fetchFn,
    upload: (request) =>
      request.source instanceof Blob && typeof XMLHttpRequest !== 'undefined'
        ? xhrUpload({ ...request, source: request.source })
        : fetchUpload(fetchFn, request, { streamBlobs: false }),
    close: async () => {},
  });
}
