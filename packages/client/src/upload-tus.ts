import type {
  DetailedError,
  HttpRequest,
  HttpResponse,
  HttpStack,
  FileReader as TusFileReader,
  FileSource as TusFileSource,
  UrlStorage as TusUrlStorage,
} from 'tus-js-client';
import { VodkitClientError } from './errors.js';
import { parseText, type RawResult } from './exchange.js';
import {
  abortReason,
  parseHeaders,
  type ResumableUrlStorage,
  type StoredUpload,
  type UploadOptions,
  uploadContentType,
} from './upload.js';

/** tus-js-client as an entry point loads it: its browser build in browsers, its Node build in Node. */
export type TusModule = typeof import('tus-js-client');

/**
 * 8 MiB per PATCH. Each chunk is one request, so a chunk bounds what a failed request sends
 * again on its retry (tus-js-client cannot resume inside a request it lost). A stream source
 * needs a finite chunk anyway: tus-js-client holds one chunk of it in memory, to send it again
 * if need be, and in a browser sends it with XMLHttpRequest, which reports upload progress on
 * HTTP/1.1 where a streamed fetch body cannot be sent at all. Large enough that the requests'
 * overhead stays small, small enough for memory and for proxies that cap a request's body.
 */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/** Waits before the retries of a failed request: about 40 s in all, the count reset by progress. */
export const DEFAULT_RETRY_DELAYS: readonly number[] = [0, 1000, 3000, 5000, 10_000, 20_000];

/** One resumable upload, as the client hands it to a transport. */
export interface ResumableRequest<Source> {
  /** The tus creation URL, `<streamBase>/upload/videos/<vid>/resumable`. */
  endpoint: string;
  vid: string;
  /** The session, as the route's credentials. */
  headers: Record<string, string>;
  source: Source;
  options: UploadOptions;
}

/**
 * How a resumable upload ended: every byte landed (the video is ready, but the last answer has
 * no body), or the server refused it with an error answer.
 */
export type ResumableOutcome = { done: true } | { done: false; answer: RawResult };

/** A source made ready for tus-js-client by a platform. */
export interface TusInput {
  /** What tus-js-client's file reader takes. */
  file: unknown;
  /** The length, when the file reader cannot tell it (a stream). */
  size?: number;
  /** Names the file's bytes across calls (and page loads); null when this source cannot be found again. */
  fingerprint: string | null;
  name?: string;
  type?: string;
  /** Releases what opening took (a descriptor, the caller's stream); called once, however the upload ends. */
  close(): void;
}

/** What an entry point brings: its build of tus-js-client and its sources. */
export interface TusPlatform<Source> {
  load(): Promise<TusModule>;
  /** Throws, having released nothing, when the source cannot be sent resumably. */
  open(source: Source, options: UploadOptions): Promise<TusInput>;
  /** Releases a source that was never opened (the upload was aborted first, or refused it). */
  release(source: Source): void;
  /** A file reader in place of tus-js-client's, e.g. one that also takes a Blob in Node. */
  fileReader?(tus: TusModule): TusFileReader;
  /** The URL storage when the upload names none; undefined keeps tus-js-client's own. */
  urlStorage(tus: TusModule): ResumableUrlStorage | undefined;
}

/**
 * Uploads with tus-js-client and settles as `fetch` would: resolves to the outcome, rejects with
 * the signal's reason on an abort, or with a TypeError when the connection failed for good.
 */
export async function tusUpload<Source>(
  platform: TusPlatform<Source>,
  { endpoint, vid, headers, source, options }: ResumableRequest<Source>,
): Promise<ResumableOutcome> {
  const { signal } = options;
  let input: TusInput | undefined;
  let tus: TusModule;
  let chunkSize: number;
  let retryDelays: number[];
  try {
    chunkSize = checkChunkSize(options.chunkSize);
    retryDelays = checkRetryDelays(options.retryDelays);
    if (signal?.aborted) throw abortReason(signal);
    tus = await platform.load();
    input = await platform.open(source, options);
    if (signal?.aborted) throw abortReason(signal);
  } catch (error) {
    if (input) input.close();
    else platform.release(source);
    throw error;
  }
  const opened = input;
  // The request being sent: a chunk that cannot be read (a file that went away) cuts it, rather
  // than leave it waiting for bytes that will not come; the retry reads the chunk again.
  let sending: HttpRequest | undefined;
  let unreadable: unknown;
  const reader = new GuardedReader(platform.fileReader?.(tus) ?? tus.defaultOptions.fileReader, (error) => {
    unreadable = error;
    void sending?.abort();
  });
  const urlStorage = quietStorage(
    options.urlStorage ?? platform.urlStorage(tus) ?? (tus.defaultOptions.urlStorage as ResumableUrlStorage),
  );
  // The video's id and the stream service's URL along with the file's: the same file uploaded to
  // two videos is two uploads, never one resumed into the other.
  const fingerprint = opened.fingerprint === null ? null : `vodkit ${vid} ${opened.fingerprint} ${endpoint}`;
  const metadata: Record<string, string> = { filetype: uploadContentType(options, opened.type, opened.name) };
  if (opened.name) metadata.filename = opened.name;

  return new Promise<ResumableOutcome>((resolve, reject) => {
    let ended = false;
    const end = (settle: () => void) => {
      if (ended) return;
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      reader.close();
      opened.close();
      settle();
    };
    const upload = new tus.Upload(opened.file as Blob, {
      endpoint,
      headers,
      chunkSize,
      retryDelays,
      ...(opened.size === undefined ? {} : { uploadSize: opened.size }),
      metadata,
      fingerprint: () => Promise.resolve(fingerprint as string),
      // Where the upload's URL is kept until its last byte lands, so a later call resumes it.
      storeFingerprintForResuming: fingerprint !== null,
      removeFingerprintOnSuccess: true,
      urlStorage: urlStorage as TusUrlStorage,
      fileReader: reader,
      httpStack: guardedStack(
        tus.defaultOptions.httpStack,
        () => ended,
        (request) => {
          sending = request;
        },
      ),
      onShouldRetry: (error) => shouldRetry(error),
      onProgress: growth(options.onProgress),
      onChunkComplete: () => {
        // A chunk went in after all: a failure from now on is not the source's.
        unreadable = undefined;
      },
      onSuccess: () => end(() => resolve({ done: true })),
      onError: (error) =>
        end(() => {
          // The source failed (its file went away): that, rather than the request it cut.
          if (unreadable !== undefined && !responseOf(error)) {
            reject(unreadable);
            return;
          }
          try {
            resolve({ done: false, answer: answerOf(error) });
          } catch (thrown) {
            reject(thrown);
          }
        }),
    });
    // The request in flight is cut and no other is sent; the server keeps what it received, to
    // be resumed by a later upload of the same file (abort(true) would terminate it instead).
    const onAbort = () => {
      if (ended) return;
      void upload.abort(false);
      end(() => reject(abortReason(signal)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    if (fingerprint === null) {
      upload.start();
      return;
    }
    upload.findPreviousUploads().then(
      (previous) => {
        if (ended) return;
        const latest = newest(previous as StoredUpload[]);
        if (latest) upload.resumeFromPreviousUpload(latest as Parameters<typeof upload.resumeFromPreviousUpload>[0]);
        upload.start();
      },
      (error: unknown) => end(() => reject(error)),
    );
  });
}

function checkChunkSize(size: number | undefined): number {
  if (size === undefined) return DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new TypeError(`The chunkSize option must be a whole number of bytes above 0 (got ${size}).`);
  }
  return size;
}

function checkRetryDelays(delays: number[] | undefined): number[] {
  if (delays === undefined) return [...DEFAULT_RETRY_DELAYS];
  if (!Array.isArray(delays) || delays.some((delay) => !Number.isFinite(delay) || delay < 0)) {
    throw new TypeError(`The retryDelays option must be an array of waits in ms, 0 or more (got ${String(delays)}).`);
  }
  return [...delays];
}

/**
 * The most recent upload kept for the fingerprint: the server keeps one unfinished upload per
 * video, the latest created, so an older URL is gone (its HEAD would answer 404).
 */
export function newest(uploads: StoredUpload[]): StoredUpload | undefined {
  let latest: StoredUpload | undefined;
  for (const upload of uploads) {
    if (!upload.uploadUrl) continue;
    if (!latest || (Date.parse(upload.creationTime) || 0) >= (Date.parse(latest.creationTime) || 0)) latest = upload;
  }
  return latest;
}

/** Progress that only grows: bytes sent again after a retry are not reported twice. */
export function growth(onProgress: UploadOptions['onProgress']): (sent: number, total: number) => void {
  let reported = 0;
  return (sent, total) => {
    if (sent <= reported) return;
    reported = sent;
    onProgress?.({ sent, total });
  };
}

type TusError = Error | DetailedError;

const responseOf = (error: TusError): HttpResponse | null =>
  ('originalResponse' in error ? error.originalResponse : null) ?? null;

const codeOf = (body: unknown) => (body as { error?: { code?: unknown } } | null)?.error?.code;

/**
 * Which failures tus-js-client tries again, after the next of `retryDelays`. A connection that
 * failed, 408 (the body stalled), 423, 5xx but 507 (a full disk stays full), and a 409 that says
 * the offset moved or another request holds the upload: the retry asks for the offset (HEAD) and
 * sends from there. Not a 409 `ALREADY_UPLOADED` (tus-js-client retries every 409) nor any other
 * 4xx, which the same request would get again; nor anything while the browser is offline.
 */
export function shouldRetry(error: TusError): boolean {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return false;
  const response = responseOf(error);
  if (!response) return true;
  const status = response.getStatus();
  if (status === 409) {
    const code = codeOf(parseText(response.getHeader('content-type') ?? null, response.getBody() ?? ''));
    return code === undefined || code === 'UPLOAD_OFFSET_MISMATCH' || code === 'UPLOAD_LOCKED';
  }
  return status === 408 || status === 423 || (status >= 500 && status !== 507);
}

/**
 * The answer of a failed upload, as the one-shot upload gives it: status, headers and the parsed
 * body. Without an answer, a failed connection is a TypeError (as `fetch` throws) with the
 * tus-js-client error as its cause, and any other error (the source's) is thrown as it is.
 */
export function answerOf(error: TusError): RawResult {
  const response = responseOf(error);
  if (!response) {
    if ('originalRequest' in error && error.originalRequest) {
      throw new TypeError(`The resumable upload failed: ${error.message}`, { cause: error });
    }
    throw error;
  }
  const status = response.getStatus();
  const headers = responseHeaders(response);
  const body = parseText(headers.get('content-type'), response.getBody() ?? '');
  if (status >= 400) return { status, headers, body };
  // A success that breaks the protocol (no Location, no Upload-Offset): not a result of the route.
  const unexpected = new VodkitClientError(status, body);
  unexpected.message = `The server answered outside the tus protocol: ${error.message}`;
  throw unexpected;
}

const knownHeaders = ['content-type', 'retry-after', 'tus-resumable', 'tus-version', 'upload-offset', 'upload-expires'];

/** The headers of a tus-js-client response: from the XMLHttpRequest or the node:http response behind it. */
export function responseHeaders(response: HttpResponse): Headers {
  const raw = response.getUnderlyingObject() as {
    getAllResponseHeaders?: () => string;
    headers?: Record<string, string | string[] | undefined>;
  } | null;
  if (typeof raw?.getAllResponseHeaders === 'function') return parseHeaders(raw.getAllResponseHeaders());
  const headers = new Headers();
  if (raw?.headers && typeof raw.headers === 'object') {
    for (const [name, value] of Object.entries(raw.headers)) {
      for (const one of [value ?? []].flat()) headers.append(name, one);
    }
    return headers;
  }
  for (const name of knownHeaders) {
    const value = response.getHeader(name);
    if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/**
 * tus-js-client's HTTP stack, which sends nothing once the upload has ended. tus-js-client emits
 * progress just before it sends a chunk: an abort from that callback comes before the request
 * exists, so its abort() has nothing to cut, and the chunk would go out after the abort.
 */
export function guardedStack(
  inner: HttpStack,
  ended: () => boolean,
  sending: (request: HttpRequest) => void = () => {},
): HttpStack {
  return {
    getName: () => inner.getName(),
    createRequest(method, url) {
      const request = inner.createRequest(method, url);
      const send = request.send.bind(request);
      request.send = (body) => {
        if (ended()) return Promise.reject(new Error('The upload has ended.'));
        sending(request);
        return send(body);
      };
      return request;
    },
  };
}

/**
 * A URL storage whose failures (a full localStorage, a file that cannot be locked) cost only the
 * resuming: tus-js-client would otherwise leave the upload hanging, or create it again.
 */
export function quietStorage(storage: ResumableUrlStorage): ResumableUrlStorage {
  const quietly = async <T>(run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      console.warn('vodkit client: the URL storage of resumable uploads failed', error);
      return fallback;
    }
  };
  return {
    findAllUploads: () => quietly(() => storage.findAllUploads(), []),
    findUploadsByFingerprint: (fingerprint) => quietly(() => storage.findUploadsByFingerprint(fingerprint), []),
    removeUpload: (key) => quietly(() => storage.removeUpload(key), undefined),
    // No key: tus-js-client then has nothing to remove once the upload is done.
    addUpload: (fingerprint, upload) =>
      quietly(() => storage.addUpload(fingerprint, upload), null as unknown as string),
  };
}

interface Releasable {
  destroy?: () => void;
}

/**
 * tus-js-client's file reader, with what it opened released once the upload ends: its source
 * (tus-js-client keeps it open after an abort, for a later `start()`) and the last slice (in Node
 * a file stream per chunk, left open when its request is cut). No slice is handed out after the
 * end either: tus-js-client would send a request for a slice that resolves after an abort.
 */
export class GuardedReader implements TusFileReader {
  #source: TusFileSource | undefined;
  #slice: unknown;
  #closed = false;

  /** `onSliceError`: a slice that is a stream (a chunk of a file, in Node) failed while being sent. */
  constructor(
    readonly inner: TusFileReader,
    readonly onSliceError: (error: unknown) => void = () => {},
  ) {}

  async openFile(input: unknown, chunkSize: number): Promise<TusFileSource> {
    const source = await this.inner.openFile(input, chunkSize);
    if (this.#closed) {
      closeQuietly(source);
      throw new Error('The upload has ended.');
    }
    this.#source = source;
    const slice = async (start: number, end: number) => {
      const result = await source.slice(start, end);
      destroy(this.#slice);
      if (this.#closed) {
        destroy(result.value);
        throw new Error('The upload has ended.');
      }
      this.#slice = result.value;
      // An 'error' nobody listens to would end the process; tus-js-client pipes the slice without one.
      const stream = result.value as { once?: (event: 'error', listener: (error: unknown) => void) => void } | null;
      if (typeof stream?.once === 'function') stream.once('error', this.onSliceError);
      return result;
    };
    return {
      get size() {
        return source.size;
      },
      slice,
      close: () => closeQuietly(source),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    destroy(this.#slice);
    if (this.#source) closeQuietly(this.#source);
  }
}

const destroy = (value: unknown) => {
  if (value && typeof (value as Releasable).destroy === 'function') (value as Releasable).destroy?.();
};

/** Closes a source; the browser's stream source returns the promise of its reader's cancel. */
function closeQuietly(source: TusFileSource): void {
  try {
    const closing = source.close() as unknown;
    if (closing instanceof Promise) closing.catch(() => {});
  } catch {
    // Already closed, or the caller's stream had failed: nothing left to release.
  }
}

/** The length of a stream source, which tus declares when it creates the upload. */
export function streamSize(size: number | undefined): number {
  if (size === undefined) {
    throw new TypeError(
      'A resumable upload of a stream needs its length: give the `size` option (tus declares the whole length when it creates the upload).',
    );
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`The size option must be a whole number of bytes (got ${size}).`);
  }
  return size;
}

/**
 * URLs of unfinished uploads kept in memory: the Node default (one per client), and the browser's
 * where there is no localStorage (a worker). Keys are tus-js-client's: `tus::<fingerprint>::<n>`.
 */
export class MemoryUrlStorage implements ResumableUrlStorage {
  readonly #uploads = new Map<string, StoredUpload>();
  #next = 0;

  async findAllUploads(): Promise<StoredUpload[]> {
    return this.#find('tus::');
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<StoredUpload[]> {
    return this.#find(`tus::${fingerprint}::`);
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    this.#uploads.delete(urlStorageKey);
  }

  async addUpload(fingerprint: string, upload: StoredUpload): Promise<string> {
    const key = `tus::${fingerprint}::${++this.#next}`;
    this.#uploads.set(key, { ...upload });
    return key;
  }

  #find(prefix: string): StoredUpload[] {
    return [...this.#uploads]
      .filter(([key]) => key.startsWith(prefix))
      .map(([urlStorageKey, upload]) => ({ ...upload, urlStorageKey }));
  }
}

const SAMPLE_BYTES = 64 * 1024;

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

/**
 * Names bytes by their length and a SHA-256 of their first and last 64 KiB: two different files
 * of one length are told apart without reading them whole. Null without Web Crypto (a page on
 * plain http other than localhost): such a source is not resumed by a later call.
 */
export async function sampleFingerprint(bytes: Blob | Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const size = bytes instanceof Blob ? bytes.size : bytes.byteLength;
  const tailStart = Math.max(SAMPLE_BYTES, size - SAMPLE_BYTES);
  const sample =
    bytes instanceof Blob
      ? new Uint8Array(await new Blob([bytes.slice(0, SAMPLE_BYTES), bytes.slice(tailStart)]).arrayBuffer())
      : concatBytes(bytes.subarray(0, SAMPLE_BYTES), bytes.subarray(tailStart));
  const digest = new Uint8Array(await subtle.digest('SHA-256', sample));
  return `bytes-${size}-${hex(digest.subarray(0, 16))}`;
}

function concatBytes(head: Uint8Array, tail: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(head.byteLength + tail.byteLength);
  out.set(head);
  out.set(tail, head.byteLength);
  return out;
}

/**
 * A File by its name, type, length and modification time (what a page can find again after a
 * reload, when the user picks the same file); any other Blob by a sample of its bytes.
 */
export async function blobFingerprint(blob: Blob): Promise<string | null> {
  if (typeof File !== 'undefined' && blob instanceof File) {
    return `file-${encodeURIComponent(blob.name)}-${encodeURIComponent(blob.type)}-${blob.size}-${blob.lastModified}`;
  }
  return sampleFingerprint(blob);
}
