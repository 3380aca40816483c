import {
  type resumableContract,
  TUS_BYTES_TYPE,
  TUS_EXTENSIONS,
  TUS_VERSION,
  TusCreationHeaders,
  TusPatchHeaders,
} from '@vodkit/contract';
import { isVodkitError, VodkitError } from '../errors/vodkit-error.js';
import { randomHex } from '../hex.js';
import type { BytesAnswer } from '../http/answer.js';
import { validate } from '../http/validate.js';
import type { AppendTiming } from '../resumable/append.js';
import { offsetMismatch, resumableUploads, type UploadState } from '../resumable/uploads.js';
import type { VideoStorage } from '../storage/types.js';
import type { ResumableUploadRecord } from '../store/types.js';
import type { HandlerDeps, Handlers } from './types.js';
import { mediaType, stalled, tooLarge } from './upload.js';
import type { VideoFiles } from './video-files.js';

type Resumable = typeof resumableContract;

export interface ResumableDeps {
  storage: VideoStorage;
  files: VideoFiles;
  maxUploadBytes: number;
  idleTimeoutMs: number;
  timing: AppendTiming;
}

/** Sent on every answer of a tus route, errors included. */
export const tusAnswerHeaders = { 'tus-resumable': TUS_VERSION } as const;

const noBody = (status: number, headers: BytesAnswer['headers']): BytesAnswer => ({
  kind: 'bytes',
  status,
  headers,
  body: undefined,
});

/** HTTP dates, as tus's `Upload-Expires` is written. */
const httpDate = (ms: number) => new Date(ms).toUTCString();

const headersOf = (request: Request) => Object.fromEntries(request.headers);

/** Every tus request but OPTIONS names the protocol version; another one is 412 with the one spoken here. */
const checkVersion = (request: Request) => {
  if (request.headers.get('tus-resumable') !== TUS_VERSION) {
    throw new VodkitError('TUS_VERSION_UNSUPPORTED', { headers: { 'tus-version': TUS_VERSION } });
  }
};

/** Whether a body has at least one byte; it is not read further. */
const carriesAByte = async (body: ReadableStream<Uint8Array>) => {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      if (value.byteLength > 0) return true;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
};

/**
 * Whether a creation carries the file's first bytes: they come as tus's media type. Bytes of
 * another type are refused; a body without a type is not read (an empty chunked body is what some
 * HTTP clients send with a POST that has none).
 */
const carriesBytes = (request: Request) => {
  const type = mediaType(request);
  if (type === TUS_BYTES_TYPE) return true;
  if (type !== '' && Number(request.headers.get('content-length') ?? 0) > 0) throw wrongType();
  return false;
};

const wrongType = () =>
  new VodkitError('UNSUPPORTED_MEDIA_TYPE', { message: `Send the bytes as Content-Type: ${TUS_BYTES_TYPE}.` });

/** 128 random bits as 32 hex digits: the upload's URL is its own, unguessable. */
const newUploadId = () => randomHex(16);

/** tus 1.0 on the stream service: creation (with upload), offset, append, termination and expiry. */
export function resumableHandlers(
  { store, sessions }: HandlerDeps,
  { storage, files, maxUploadBytes, idleTimeoutMs, timing }: ResumableDeps,
): Handlers<Resumable> {
  // The same for every upload and every request: made once.
  const discovery = {
    'tus-version': TUS_VERSION,
    'tus-extension': TUS_EXTENSIONS.join(','),
    'tus-max-size': String(maxUploadBytes),
  };
  const discover = async () => noBody(204, discovery);

  const uploads = resumableUploads({ store, storage, files, timing, idleTimeoutMs, stalled });

  /**
   * The upload, for the session's user: 404 when it or its video is gone, 403 for another user's.
   * `finished` when its bytes are the video's file now: HEAD still says so until it expires.
   */
  const ownUpload = async (request: Request, uploadId: string) => {
    const session = await sessions.authenticate(request);
    const upload = await store.uploads.find(uploadId, new Date(timing.clock()));
    if (!upload) throw new VodkitError('UPLOAD_NOT_FOUND');
    const video = await store.videos.find(upload.videoId);
    const finished = video?.status === 'ready' && upload.offset === upload.length;
    // The video is gone, or has a file this upload did not give it.
    if (!video || (video.status !== 'pending' && !finished)) throw new VodkitError('UPLOAD_NOT_FOUND');
    if (video.authorId !== session.userId) throw new VodkitError('FORBIDDEN');
    return { upload, video, finished };
  };

  const answerOf = (status: number, state: UploadState, extra = {}) =>
    noBody(status, { ...extra, 'upload-offset': String(state.offset), 'upload-expires': httpDate(state.expiresAt) });

  /** The bytes a request declares would go past the upload's length. */
  const pastLength = (
    upload: Pick<ResumableUploadRecord, 'length'>,
    offset: number,
    request: Request,
    declared = Number(request.headers.get('content-length') ?? 0),
  ) => {
    if (offset + declared <= upload.length) return;
    throw new VodkitError('VALIDATION', {
      message: `The bytes go past Upload-Length (${upload.length}).`,
      details: [{ path: 'headers.content-length', message: `must be at most ${upload.length - offset}` }],
    });
  };

  return {
    discoverCreation: discover,
    discoverUpload: discover,

    async createUpload({ params, request }) {
      checkVersion(request);
      if (request.headers.has('upload-defer-length')) {
        throw new VodkitError('VALIDATION', {
          message: 'Upload-Defer-Length is not offered: send Upload-Length.',
          details: [{ path: 'headers.upload-defer-length', message: 'is not supported' }],
        });
      }
      const headers = validate(TusCreationHeaders, headersOf(request), 'headers');
      const length = headers['upload-length'];
      if (length > maxUploadBytes) throw tooLarge(maxUploadBytes);
      if (length === 0) throw new VodkitError('EMPTY_UPLOAD');
      const withBytes = carriesBytes(request);

      if (withBytes) pastLength({ length }, 0, request);

      const session = await sessions.authenticate(request);
      const video = await store.videos.find(params.vid);
      if (!video) throw new VodkitError('VIDEO_NOT_FOUND');
      if (video.authorId !== session.userId) throw new VodkitError('FORBIDDEN');
      await files.freeSlot(video);

      const now = timing.clock();
      const upload: ResumableUploadRecord = {
        id: newUploadId(),
        videoId: video.id,
        length,
        offset: 0,
        expiresAt: new Date(now + timing.expiryMs),
        createdAt: new Date(now),
      };
      // The part exists before the row: a PATCH that finds the row finds its bytes.
      const part = await storage.openPart(video.id, upload.id, 0);
      await part?.close();
      const created = await store.uploads.create(upload);
      if (created === 'no-video') {
        await storage.deleteParts(video.id, upload.id);
        // Deleted meanwhile, or filled by another upload.
        throw new VodkitError((await store.videos.find(video.id)) ? 'ALREADY_UPLOADED' : 'VIDEO_NOT_FOUND');
      }
      for (const replaced of created.replaced) await storage.deleteParts(replaced.videoId, replaced.id);

      const location = { location: `/upload/resumable/${upload.id}` };
      if (!withBytes) return answerOf(201, { offset: 0, expiresAt: upload.expiresAt.getTime() }, location);
      try {
        return answerOf(201, await uploads.append(request, upload, 0), location);
      } catch (error) {
        // The upload exists with what reached the disk: a client that hears of it resumes from there.
        const transient = isVodkitError(error) && (error.status === 408 || error.status >= 500);
        const stored = transient
          ? await store.uploads.find(upload.id, new Date(timing.clock())).catch(() => undefined)
          : undefined;
        if (!stored) throw error;
        return answerOf(201, { offset: stored.offset, expiresAt: stored.expiresAt.getTime() }, location);
      }
    },

    async uploadOffset({ params, request }) {
      checkVersion(request);
      const { upload } = await ownUpload(request, params.upload_id);
      return noBody(200, {
        'upload-offset': String(upload.offset),
        'upload-length': String(upload.length),
        'upload-expires': httpDate(upload.expiresAt.getTime()),
        'cache-control': 'no-store',
      });
    },

    async appendUpload({ params, request }) {
      checkVersion(request);
      if (mediaType(request) !== TUS_BYTES_TYPE) throw wrongType();
      const headers = validate(TusPatchHeaders, headersOf(request), 'headers');
      const { upload, finished } = await ownUpload(request, params.upload_id);
      const expected = headers['upload-offset'];
      // Checked before any lease is taken, and again under it.
      if (expected !== upload.offset) throw offsetMismatch(upload.offset);
      pastLength(upload, expected, request);
      // A finished upload takes no more bytes; an empty PATCH at its end is answered as its last was.
      if (finished) {
        // A body without a declared length is looked into: one byte is one too many.
        if (request.body && (await carriesAByte(request.body))) pastLength(upload, expected, request, 1);
        return answerOf(204, { offset: upload.offset, expiresAt: upload.expiresAt.getTime() });
      }
      return answerOf(204, await uploads.append(request, upload, expected));
    },

    async terminateUpload({ params, request }) {
      checkVersion(request);
      const { upload, finished } = await ownUpload(request, params.upload_id);
      // A finished upload's bytes are the video's file now: only its record goes.
      if (finished) await store.uploads.delete(upload.id);
      else await uploads.end(upload);
      return noBody(204, {});
    },
  };
}
