import type { streamContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import type { VideoStorage } from '../storage/types.js';
import type { MultipartFileReader } from '../upload/multipart.js';
import { SNIFF_BYTES, sniffVideo } from '../upload/sniff.js';
import { failWhenIdle, limitBytes, peek } from '../upload/streams.js';
import { presentVideo } from './present.js';
import type { Handler, HandlerDeps } from './types.js';
import type { VideoFiles } from './video-files.js';

type Stream = typeof streamContract;

export interface UploadDeps {
  storage: VideoStorage;
  multipart: MultipartFileReader | undefined;
  maxUploadBytes: number;
  /** A stream send or an upload body that moves no bytes for this long ends, and its token comes back. */
  idleTimeoutMs: number;
  /** Unfinished resumable uploads expire this long after their last bytes. */
  resumableExpiryMs: number;
  /** Milliseconds since the epoch. */
  clock: () => number;
}

/** Room for the multipart boundaries and part headers around the file. */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

/** The request's media type, lower case without parameters; empty without a Content-Type. */
export const mediaType = (request: Request) =>
  request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';

export const stalled = () =>
  new VodkitError('REQUEST_TIMEOUT', { message: 'The upload stopped sending bytes; send it again.' });

export const tooLarge = (limit: number) =>
  new VodkitError('PAYLOAD_TOO_LARGE', { message: `Uploads are limited to ${limit} bytes.` });

/** POST /upload/videos/:vid: streamed to disk, sniffed, size-capped, moved into place only when whole. */
export function uploadHandler(
  { store, sessions, streamBaseUrl }: HandlerDeps,
  { storage, multipart, maxUploadBytes, idleTimeoutMs }: UploadDeps,
  files: VideoFiles,
): Handler<Stream['uploadVideo']> {
  /**
   * The file's bytes: the raw body for video/*, the `file` field for multipart/form-data. The
   * body fails with 408 when the client sends nothing for the idle timeout, so a stalled upload
   * ends and gives its token back.
   */
  const fileBody = async (request: Request) => {
    const type = mediaType(request);
    const body = request.body && failWhenIdle(request.body, idleTimeoutMs, stalled);
    if (type.startsWith('video/')) return body;
    if (type === 'multipart/form-data' && multipart) {
      const form = new Request(request.url, {
        method: 'POST',
        headers: request.headers,
        body,
        duplex: 'half',
      } as RequestInit);
      const file = await multipart(form, 'file');
      if (!file) throw new VodkitError('VALIDATION', { details: [{ path: 'body.file', message: 'is required' }] });
      return file;
    }
    throw new VodkitError('UNSUPPORTED_MEDIA_TYPE', {
      message: 'Send the file as video/* bytes or as the "file" field of multipart/form-data.',
    });
  };

  return async ({ params, request }) => {
    const type = mediaType(request);
    const declared = Number(request.headers.get('content-length') ?? 0);
    const framing = type === 'multipart/form-data' ? MULTIPART_FRAMING_BYTES : 0;
    if (declared > maxUploadBytes + framing) throw tooLarge(maxUploadBytes);

    const session = await sessions.authenticate(request);
    const video = await store.videos.find(params.vid);
    if (!video) throw new VodkitError('VIDEO_NOT_FOUND');
    if (video.authorId !== session.userId) throw new VodkitError('FORBIDDEN');
    await files.freeSlot(video);

    const body = await fileBody(request);
    if (!body) throw new VodkitError('EMPTY_UPLOAD');
    const { head, stream } = await peek(body, SNIFF_BYTES);
    const contentType = sniffVideo(head);
    if (!contentType) {
      await stream.cancel().catch(() => {});
      throw new VodkitError(head.byteLength === 0 ? 'EMPTY_UPLOAD' : 'NOT_A_VIDEO');
    }

    const stored = await storage.put(video.id, limitBytes(stream, maxUploadBytes), request.signal);
    if (stored.kind === 'exists') throw new VodkitError('ALREADY_UPLOADED');
    const file = { size: stored.file.size, contentType };
    await files.record(video, file);
    // An unfinished resumable upload of the video can never finish now: its bytes go at once
    // rather than when it expires.
    await storage.deleteParts(video.id).catch(() => {});
    return {
      status: 200,
      body: presentVideo({ ...video, ...file, status: 'ready' }, streamBaseUrl),
    };
  };
}
