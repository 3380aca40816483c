import type { WebUploadSource } from './upload-fetch.js';
import {
  blobFingerprint,
  MemoryUrlStorage,
  type ResumableOutcome,
  type ResumableRequest,
  streamSize,
  type TusPlatform,
  tusUpload,
} from './upload-tus.js';

/**
 * Resumable uploads in browsers, loaded by the browser entry on the first one (with tus-js-client):
 * a bundler that splits code keeps all of it out of what a page loads at start. tus-js-client's
 * browser build (its `browser` field maps the Node build to it, as bundlers resolve packages for
 * the browser) sends each chunk with XMLHttpRequest and keeps the URLs of unfinished uploads in
 * localStorage, so a page reload resumes.
 */
export function browserResumable(): (request: ResumableRequest<WebUploadSource>) => Promise<ResumableOutcome> {
  const platform = browserTusPlatform(new MemoryUrlStorage());
  return (request) => tusUpload(platform, request);
}

function browserTusPlatform(memory: MemoryUrlStorage): TusPlatform<WebUploadSource> {
  return {
    load: () => import('tus-js-client'),
    async open(source, options) {
      if (source instanceof Blob) {
        const name = typeof File !== 'undefined' && source instanceof File ? source.name : undefined;
        return { file: source, fingerprint: await blobFingerprint(source), name, type: source.type, close() {} };
      }
      const size = streamSize(options.size);
      // tus-js-client reads a stream through its reader, one chunk (`chunkSize`) held at a time.
      const reader = source.getReader();
      return { file: reader, size, fingerprint: null, close: () => reader.cancel().catch(() => {}) };
    },
    release: releaseWebSource,
    // Where there is no localStorage (a worker, a sandboxed frame), in memory for the page's life.
    urlStorage: (tus) => (tus.canStoreURLs ? undefined : memory),
  };
}

/** Cancels a stream source the upload never read. */
function releaseWebSource(source: WebUploadSource): void {
  if (source instanceof ReadableStream && !source.locked) source.cancel().catch(() => {});
}
