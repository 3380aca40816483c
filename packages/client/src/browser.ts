import { createClient, type VodkitClient, type VodkitClientOptions } from './create-client.js';
import { fetchUpload, type WebUploadSource } from './upload-fetch.js';
import type { ResumableOutcome, ResumableRequest } from './upload-tus.js';
import { xhrUpload } from './upload-xhr.js';

export * from './public.js';

/** A File or Blob (sent with XMLHttpRequest, for progress on HTTP/1.1), or a byte stream (fetch; HTTP/2 in Chromium). */
export type BrowserUploadSource = WebUploadSource;

type ResumableUpload = (request: ResumableRequest<WebUploadSource>) => Promise<ResumableOutcome>;

/**
 * The browser client: the global fetch (or `options.fetch`) for every call. Uploads of a Blob use
 * XMLHttpRequest, the one way to report progress on HTTP/1.1; where there is none (a worker), a
 * Blob goes through fetch as a whole. Resumable uploads use tus-js-client (XMLHttpRequest), never
 * `options.fetch`. Imports nothing from Node.
 */
export function createVodkitClient(options: VodkitClientOptions): VodkitClient<BrowserUploadSource> {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  // Resumable uploads and tus-js-client are loaded on the first one, once per client (which keeps
  // the URLs of its unfinished uploads in memory where there is no localStorage).
  let tus: Promise<ResumableUpload> | undefined;
  const resumable = async (request: ResumableRequest<WebUploadSource>) => {
    tus ??= import('./upload-tus-browser.js').then(({ browserResumable }) => browserResumable());
    let upload: ResumableUpload;
    try {
      upload = await tus;
    } catch (error) {
      // Not loaded (offline, a stale deployment): the next upload tries again; this one's stream is let go.
      tus = undefined;
      if (request.source instanceof ReadableStream && !request.source.locked) request.source.cancel().catch(() => {});
      throw error;
    }
    return upload(request);
  };
  return createClient(options, {
    fetch: fetchFn,
    upload: (request) =>
      request.source instanceof Blob && typeof XMLHttpRequest !== 'undefined'
        ? xhrUpload({ ...request, source: request.source })
        : fetchUpload(fetchFn, request, { streamBlobs: false }),
    resumable,
    close: async () => {},
  });
}
