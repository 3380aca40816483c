import type { streamContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import type { VideoStorage } from '../storage/types.js';
import type { VideoView } from '../store/types.js';
import type { MultipartFileReader } from '../upload/multipart.js';
import { SNIFF_BYTES, sniffVideo } from '../upload/sniff.js';
import { failWhenIdle, limitBytes, peek } from '../upload/streams.js';
import { presentVideo } from './present.js';
import type { Handler, HandlerDeps } from './types.js';

type Stream = typeof streamContract;

export interface UploadDeps {
  storage: VideoStorage;
  multipart: MultipartFileReader | undefined;
  maxUploadBytes: number;
  /** A stream send or an upload body that moves no bytes for this long ends, and its token comes back. */
  idleTimeoutMs: number;
}

/** Room for the multipart boundaries and part headers around the file. */
const MULTIPART_FRAMING_BYTES = 64 * 1024;

const mediaType = (request: Request) => request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';

/** A file in place without its record, older than this, belongs to no upload that can still finish. */
const ORPHAN_AFTER_MS = 30_000;
/** About half an hour of retries (1 s doubling up to a minute) for a record whose outcome is unknown. */
const SETTLE_ATTEMPTS = 36;

const stalled = () =>
  new VodkitError('REQUEST_TIMEOUT', { message: 'The upload stopped sending bytes; send it again.' });

const tooLarge = (limit: number) =>
  new VodkitError('PAYLOAD_TOO_LARGE', { message: `Uploads are limited to ${limit} bytes.` });

/** POST /upload/videos/:vid: streamed to disk, sniffed, size-capped, moved into place only when whole. */
export function uploadHandler(
  { store, sessions, streamBaseUrl }: HandlerDeps,
  { storage, multipart, maxUploadBytes, idleTimeoutMs }: UploadDeps,
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

  /**
   * Whether the video's file slot may be filled: a `ready` video with its file is uploaded; a
   * `ready` one without it lost its file to a failure after an unanswered markReady and takes a
   * new one. A `pending` video that has a file is an upload that died between linking its file
   * and recording it: once that upload cannot still be finishing, its file goes.
   */
  const freeSlot = async (video: VideoView) => {
    const existing = await storage.stat(video.id);
    if (!existing) return;
    if (video.status !== 'pending') throw new VodkitError('ALREADY_UPLOADED');
    // Left by this process's own upload whose record failed, and the store has just said pending.
    if (unsettled.delete(video.id)) {
      await storage.delete(video.id);
      return;
    }
    const waitMs = existing.mtimeMs + ORPHAN_AFTER_MS - Date.now();
    if (waitMs > 0) {
      throw new VodkitError('ALREADY_UPLOADED', {
        message: 'Another upload of this video is finishing; retry shortly.',
        headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
      });
    }
    await storage.delete(video.id);
  };

  /**
   * Videos whose file is in place while whether markReady was applied is not known: its answer
   * was lost, or a statement sent to a frozen server may still run when the server resumes.
   * Deleting the file then could leave a `ready` video without one; keeping it leaves, at worst,
   * a `pending` video with a file, which `settle` (or the next upload) resolves once the store
   * answers.
   */
  const unsettled = new Set<string>();

  /** Asks the store which it was: the file stays for a `ready` video and goes for a `pending` one. */
  const settle = async (videoId: string): Promise<'ready' | 'pending' | 'gone'> => {
    const found = await store.videos.find(videoId);
    if (!unsettled.has(videoId)) return found?.status === 'ready' ? 'ready' : 'pending';
    unsettled.delete(videoId);
    if (found?.status === 'ready') return 'ready';
    // Pending: the record never happened. Gone: the video is deleted and its file with it.
    await storage.delete(videoId);
    return found ? 'pending' : 'gone';
  };

  /** Tries `settle` again and again, further apart each time, until the store answers. */
  const settleLater = (videoId: string, attempt = 0) => {
    if (attempt >= SETTLE_ATTEMPTS) return;
    const timer = setTimeout(
      () => void settle(videoId).catch(() => settleLater(videoId, attempt + 1)),
      Math.min(1000 * 2 ** attempt, 60_000),
    );
    (timer as { unref?: () => void }).unref?.();
  };

  /**
   * Records the stored file. Store and storage agree whatever fails: the video ends `ready`
   * with its file, or `pending` without one and ready for another upload.
   */
  const record = async (video: VideoView, file: { size: number; contentType: string }) => {
    let marked: boolean;
    try {
      marked = await store.videos.markReady(video.id, file);
    } catch (error) {
      unsettled.add(video.id);
      // The store may answer a read even so (the write failed alone): then it says at once.
      const outcome = await settle(video.id).catch(() => undefined);
      if (outcome === 'ready') return;
      if (outcome === undefined) settleLater(video.id);
      throw error;
    }
    if (marked) return;
    // Deleted while the bytes were arriving: the file goes too, nobody can reach it.
    await storage.delete(video.id);
    // With its author, whose session went with them.
    const author = await store.users.findByName(video.authorName);
    throw new VodkitError(author?.id === video.authorId ? 'VIDEO_NOT_FOUND' : 'UNAUTHENTICATED');
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
    await freeSlot(video);

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
    await record(video, file);
    return {
      status: 200,
      body: presentVideo({ ...video, ...file, status: 'ready' }, streamBaseUrl),
    };
  };
}
