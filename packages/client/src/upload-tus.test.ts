import type { DetailedError, HttpRequest, HttpResponse, HttpStack, UploadOptions as TusOptions } from 'tus-js-client';
import { describe, expect, it, vi } from 'vitest';
import { isVodkitClientError } from './errors.js';
import type { StoredUpload, UploadProgress } from './upload.js';
import {
  answerOf,
  blobFingerprint,
  GuardedReader,
  growth,
  guardedStack,
  MemoryUrlStorage,
  newest,
  quietStorage,
  responseHeaders,
  sampleFingerprint,
  shouldRetry,
  type TusInput,
  type TusModule,
  type TusPlatform,
  tusUpload,
} from './upload-tus.js';

/** A tus-js-client response as its Node HTTP stack makes one. */
function response(status: number, body = '', headers: Record<string, string> = {}): HttpResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    getStatus: () => status,
    getHeader: (name) => lower[name.toLowerCase()],
    getBody: () => body,
    getUnderlyingObject: () => ({ headers: lower }),
  };
}

const request = { getMethod: () => 'PATCH', getURL: () => 'http://vod.example/upload/resumable/x' } as HttpRequest;

/** A DetailedError as tus-js-client builds one: a message, the request and the answer if any. */
function detailed(res: HttpResponse | null, message = 'tus: unexpected response while uploading chunk'): DetailedError {
  return Object.assign(new Error(message), { originalRequest: request, originalResponse: res, causingError: null });
}

const vodkitError = (code: string) => JSON.stringify({ error: { code, message: `${code}.` } });
const json = { 'Content-Type': 'application/json; charset=utf-8', 'Tus-Resumable': '1.0.0' };

describe('shouldRetry', () => {
  it.each<[string, HttpResponse | null, boolean]>([
    ['a connection that failed', null, true],
    ['409 UPLOAD_OFFSET_MISMATCH', response(409, vodkitError('UPLOAD_OFFSET_MISMATCH'), json), true],
    ['409 UPLOAD_LOCKED', response(409, vodkitError('UPLOAD_LOCKED'), json), true],
    ["409 that is not vodkit's", response(409, 'conflict'), true],
    ['409 ALREADY_UPLOADED', response(409, vodkitError('ALREADY_UPLOADED'), json), false],
    ['423', response(423), true],
    ['408', response(408, vodkitError('REQUEST_TIMEOUT'), json), true],
    ['500', response(500), true],
    ['503', response(503, vodkitError('UNAVAILABLE'), json), true],
    ['507', response(507, vodkitError('INSUFFICIENT_STORAGE'), json), false],
    ['400', response(400, vodkitError('NOT_A_VIDEO'), json), false],
    ['401', response(401), false],
    ['403', response(403), false],
    ['404', response(404), false],
    ['413', response(413), false],
    ['429', response(429), false],
    ['a 2xx that breaks the protocol', response(201), false],
  ])('%s: %s', (_, res, retried) => {
    expect(shouldRetry(detailed(res))).toBe(retried);
  });
});

describe('answerOf', () => {
  it('gives the status, the headers and the parsed vodkit error body', () => {
    const answer = answerOf(detailed(response(403, vodkitError('FORBIDDEN'), json)));
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: { code: 'FORBIDDEN', message: 'FORBIDDEN.' } });
    expect(answer.headers.get('tus-resumable')).toBe('1.0.0');
  });

  it('keeps a body that is not JSON as text', () => {
    expect(
      answerOf(detailed(response(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }))),
    ).toMatchObject({ status: 502, body: '<html>bad gateway</html>' });
  });

  it('throws a TypeError, as fetch does, for a connection that failed', () => {
    const failed = detailed(null, 'tus: failed to upload chunk at offset 0, caused by Error: socket hang up');
    expect(() => answerOf(failed)).toThrow(TypeError);
    try {
      answerOf(failed);
    } catch (error) {
      expect((error as Error).message).toContain('socket hang up');
      expect((error as Error).cause).toBe(failed);
    }
  });

  it("throws the source's own error as it is", () => {
    const error = new Error('upload was configured with a size of 10 bytes, but the source is done after 5 bytes');
    expect(() => answerOf(error)).toThrow(error);
  });

  it('throws an UNEXPECTED_RESPONSE client error for a success that breaks the protocol', () => {
    const broken = detailed(response(201), 'tus: invalid or missing Location header');
    try {
      answerOf(broken);
      expect.fail('answerOf returned');
    } catch (error) {
      expect(isVodkitClientError(error, 'UNEXPECTED_RESPONSE')).toBe(true);
      expect((error as Error).message).toContain('invalid or missing Location header');
    }
  });
});

describe('responseHeaders', () => {
  it("reads an XMLHttpRequest's headers", () => {
    const xhr = { getAllResponseHeaders: () => 'content-type: application/json\r\nretry-after: 1\r\n' };
    const headers = responseHeaders({ ...response(429), getUnderlyingObject: () => xhr });
    expect(headers.get('retry-after')).toBe('1');
    expect(headers.get('content-type')).toBe('application/json');
  });

  it("reads a node:http response's headers, repeated ones too", () => {
    const res = { headers: { 'retry-after': '2', vary: ['Origin', 'Accept'] } };
    const headers = responseHeaders({ ...response(429), getUnderlyingObject: () => res });
    expect(headers.get('retry-after')).toBe('2');
    expect(headers.get('vary')).toBe('Origin, Accept');
  });

  it('falls back on the headers it knows of', () => {
    const headers = responseHeaders({
      ...response(409, '', { 'Upload-Offset': '42' }),
      getUnderlyingObject: () => null,
    });
    expect(headers.get('upload-offset')).toBe('42');
  });
});

describe('growth', () => {
  it('reports only bytes beyond the last report', () => {
    const events: UploadProgress[] = [];
    const report = growth((event) => events.push(event));
    for (const sent of [0, 100, 100, 50, 300, 200, 1000]) report(sent, 1000);
    expect(events.map((event) => event.sent)).toEqual([100, 300, 1000]);
    expect(events.every((event) => event.total === 1000)).toBe(true);
  });
});

describe('newest', () => {
  it('takes the upload created last, with a URL', () => {
    const kept = (uploadUrl: string | null, creationTime: string): StoredUpload => ({
      size: 10,
      metadata: {},
      creationTime,
      uploadUrl,
    });
    const uploads = [
      kept('/upload/resumable/a', 'Mon, 01 Jan 2024 10:00:00 GMT'),
      kept('/upload/resumable/b', 'Mon, 01 Jan 2024 11:00:00 GMT'),
      kept(null, 'Mon, 01 Jan 2024 12:00:00 GMT'),
    ];
    expect(newest(uploads)?.uploadUrl).toBe('/upload/resumable/b');
    expect(newest([])).toBeUndefined();
  });
});

describe('MemoryUrlStorage', () => {
  it('finds uploads by exact fingerprint, and forgets removed ones', async () => {
    const storage = new MemoryUrlStorage();
    const upload = { size: 1, metadata: {}, creationTime: new Date().toString(), uploadUrl: 'u' };
    const a = await storage.addUpload('vodkit a', upload);
    await storage.addUpload('vodkit ab', { ...upload, uploadUrl: 'v' });
    expect(await storage.findUploadsByFingerprint('vodkit a')).toEqual([{ ...upload, urlStorageKey: a }]);
    expect(await storage.findAllUploads()).toHaveLength(2);
    await storage.removeUpload(a);
    expect(await storage.findUploadsByFingerprint('vodkit a')).toEqual([]);
  });
});

describe('quietStorage', () => {
  it('costs only the resuming when the storage fails (a full localStorage throws as it is called)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const full = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const storage = quietStorage({
      findAllUploads: full,
      findUploadsByFingerprint: full,
      removeUpload: full,
      addUpload: full,
    });
    try {
      expect(await storage.findAllUploads()).toEqual([]);
      expect(await storage.findUploadsByFingerprint('f')).toEqual([]);
      expect(await storage.removeUpload('k')).toBeUndefined();
      expect(await storage.addUpload('f', { size: 1, metadata: {}, creationTime: '' })).toBeNull();
      expect(warn).toHaveBeenCalledTimes(4);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('fingerprints', () => {
  const bytes = (size: number, last = 0) => {
    const out = new Uint8Array(size).map((_, index) => index % 251);
    out[size - 1] = last;
    return out;
  };

  it('names the same bytes alike, as a Blob or in memory', async () => {
    const big = bytes(300_000);
    expect(await sampleFingerprint(big)).toBe(await sampleFingerprint(new Blob([big])));
    expect(await sampleFingerprint(bytes(100))).toBe(await sampleFingerprint(new Blob([bytes(100)])));
  });

  it('tells apart bytes that differ in their last byte or their length', async () => {
    const first = await sampleFingerprint(bytes(300_000, 1));
    expect(await sampleFingerprint(bytes(300_000, 2))).not.toBe(first);
    expect(await sampleFingerprint(bytes(300_001, 1))).not.toBe(first);
  });

  it('names a File by its name, type, length and modification time', async () => {
    const file = new File([bytes(10)], 'holiday 1.mp4', { type: 'video/mp4', lastModified: 1_700_000_000_000 });
    expect(await blobFingerprint(file)).toBe('file-holiday%201.mp4-video%2Fmp4-10-1700000000000');
  });
});

describe('guardedStack', () => {
  it('sends nothing once the upload has ended', async () => {
    const send = vi.fn(async () => response(204));
    const inner: HttpStack = {
      getName: () => 'inner',
      createRequest: () => ({ ...request, send, setHeader() {}, getHeader: () => undefined }) as unknown as HttpRequest,
    };
    let ended = false;
    const stack = guardedStack(inner, () => ended);
    expect(stack.getName()).toBe('inner');
    await stack.createRequest('PATCH', 'u').send(new Uint8Array(1));
    ended = true;
    await expect(stack.createRequest('PATCH', 'u').send(new Uint8Array(1))).rejects.toThrow('The upload has ended.');
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('GuardedReader', () => {
  it('closes the source and the last slice, and hands out no slice after', async () => {
    const slices: { destroyed: boolean; destroy(): void }[] = [];
    const close = vi.fn();
    const reader = new GuardedReader({
      openFile: async () => ({
        size: 100,
        slice: async () => {
          const slice = {
            destroyed: false,
            destroy() {
              this.destroyed = true;
            },
          };
          slices.push(slice);
          return { value: slice, done: false };
        },
        close,
      }),
    });
    const source = await reader.openFile('file', 10);
    expect(source.size).toBe(100);
    await source.slice(0, 10);
    await source.slice(10, 20);
    expect(slices.map((slice) => slice.destroyed)).toEqual([true, false]);
    reader.close();
    expect(slices[1]?.destroyed).toBe(true);
    expect(close).toHaveBeenCalledOnce();
    await expect(source.slice(20, 30)).rejects.toThrow('The upload has ended.');
    expect(slices[2]?.destroyed).toBe(true);
  });
});

/** A stand-in for tus-js-client: records what it is given, and lets a test end the upload. */
function fakeTus() {
  const made: { file: unknown; options: TusOptions; upload: FakeUpload }[] = [];
  const previous: StoredUpload[] = [];
  class FakeUpload {
    aborted: boolean | undefined;
    resumedFrom: StoredUpload | undefined;
    started = false;
    constructor(
      file: unknown,
      readonly options: TusOptions,
    ) {
      made.push({ file, options, upload: this });
    }
    async findPreviousUploads() {
      await this.options.fingerprint?.(null as unknown as File, this.options);
      return previous;
    }
    resumeFromPreviousUpload(upload: StoredUpload) {
      this.resumedFrom = upload;
    }
    start() {
      this.started = true;
    }
    async abort(terminate?: boolean) {
      this.aborted = terminate ?? false;
    }
  }
  const tus = {
    Upload: FakeUpload,
    canStoreURLs: false,
    defaultOptions: {
      fileReader: { openFile: async () => ({ size: 0, slice: async () => ({ value: null, done: true }), close() {} }) },
      httpStack: { getName: () => 'fake', createRequest: () => request },
      urlStorage: new MemoryUrlStorage(),
    },
  } as unknown as TusModule;
  return { tus, made, previous };
}

function platform(tus: TusModule, input: Partial<TusInput> = {}) {
  const closed = vi.fn();
  const released = vi.fn();
  const load = vi.fn(async () => tus);
  const made: TusPlatform<string> = {
    load,
    open: async () => ({ file: 'the file', fingerprint: 'bytes-10-abc', close: closed, ...input }),
    release: released,
    urlStorage: () => undefined,
  };
  return { platform: made, closed, released, load };
}

const until = async (check: () => boolean) => {
  for (let tries = 0; !check(); tries++) {
    if (tries > 100) throw new Error('not reached');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

describe('tusUpload', () => {
  const endpoint = 'http://vod.example/upload/videos/v1/resumable';
  const call = (options = {}) => ({ endpoint, vid: 'v1', headers: { 'x-session-id': 's' }, source: 'src', options });

  it('releases the source and loads nothing when the signal is already aborted', async () => {
    const { tus } = fakeTus();
    const { platform: p, released, load } = platform(tus);
    const reason = new Error('stop');
    await expect(tusUpload(p, call({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(released).toHaveBeenCalledWith('src');
    expect(load).not.toHaveBeenCalled();
  });

  it('releases the source when it cannot be opened', async () => {
    const { tus } = fakeTus();
    const { platform: p, released } = platform(tus);
    p.open = async () => {
      throw new TypeError('no size');
    };
    await expect(tusUpload(p, call())).rejects.toThrow('no size');
    expect(released).toHaveBeenCalledOnce();
  });

  it('gives tus the session, chunk size, retry delays and a fingerprint with the video, and resumes the newest', async () => {
    const { tus, made, previous } = fakeTus();
    previous.push(
      { size: 10, metadata: {}, creationTime: 'Mon, 01 Jan 2024 10:00:00 GMT', uploadUrl: 'old' },
      { size: 10, metadata: {}, creationTime: 'Mon, 01 Jan 2024 11:00:00 GMT', uploadUrl: 'new' },
    );
    const { platform: p, closed } = platform(tus, { name: 'clip.webm' });
    const done = tusUpload(p, call({ chunkSize: 1000 }));
    await until(() => made[0]?.upload.started === true);
    const { options, upload, file } = made[0] ?? expect.fail('no upload');
    expect(file).toBe('the file');
    expect(upload.resumedFrom?.uploadUrl).toBe('new');
    expect(options).toMatchObject({
      endpoint,
      headers: { 'x-session-id': 's' },
      chunkSize: 1000,
      retryDelays: [0, 1000, 3000, 5000, 10_000, 20_000],
      metadata: { filename: 'clip.webm', filetype: 'video/webm' },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
    });
    expect(options.uploadSize).toBeUndefined();
    expect(await options.fingerprint?.(null as unknown as File, options)).toBe(`vodkit v1 bytes-10-abc ${endpoint}`);
    options.onSuccess?.({ lastResponse: response(204) });
    await expect(done).resolves.toEqual({ done: true });
    expect(closed).toHaveBeenCalledOnce();
  });

  it('starts at once, storing nothing, for a source without fingerprint', async () => {
    const { tus, made } = fakeTus();
    const { platform: p } = platform(tus, { fingerprint: null, size: 10 });
    const done = tusUpload(p, call());
    await until(() => made[0]?.upload.started === true);
    const { options, upload } = made[0] ?? expect.fail('no upload');
    expect(upload.resumedFrom).toBeUndefined();
    expect(options).toMatchObject({ storeFingerprintForResuming: false, uploadSize: 10 });
    options.onError?.(detailed(response(404, vodkitError('VIDEO_NOT_FOUND'), json)));
    await expect(done).resolves.toMatchObject({ done: false, answer: { status: 404 } });
  });

  it('aborts without terminating: rejects with the reason, closes the source, and tus is told to stop', async () => {
    const { tus, made } = fakeTus();
    const { platform: p, closed } = platform(tus);
    const controller = new AbortController();
    const events: UploadProgress[] = [];
    const done = tusUpload(
      p,
      call({ signal: controller.signal, onProgress: (event: UploadProgress) => events.push(event) }),
    );
    await until(() => made[0]?.upload.started === true);
    const { options, upload } = made[0] ?? expect.fail('no upload');
    options.onProgress?.(100, 1000);
    controller.abort(new Error('user cancelled'));
    await expect(done).rejects.toThrow('user cancelled');
    expect(upload.aborted).toBe(false);
    expect(closed).toHaveBeenCalledOnce();
    expect(events).toEqual([{ sent: 100, total: 1000 }]);
    // Whatever tus-js-client does after that changes nothing.
    options.onSuccess?.({ lastResponse: response(204) });
    expect(closed).toHaveBeenCalledOnce();
  });

  it('rejects with a TypeError for a connection that failed for good', async () => {
    const { tus, made } = fakeTus();
    const { platform: p } = platform(tus);
    const done = tusUpload(p, call());
    await until(() => made[0]?.upload.started === true);
    made[0]?.options.onError?.(detailed(null, 'tus: failed to create upload, caused by Error: ECONNREFUSED'));
    await expect(done).rejects.toBeInstanceOf(TypeError);
  });
});
