import type { streamContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import type { AnswerHeaders } from '../http/answer.js';
import type { VideoStorage } from '../storage/types.js';
import type { Store } from '../store/types.js';
import { multipartByteranges } from '../stream/byteranges.js';
import { etagFor, httpDate, ifRangeAllows, isNotModified, type Validators } from '../stream/conditional.js';
import { lazyStream } from '../stream/lazy.js';
import { type ByteRange, parseRange } from '../stream/range.js';
import type { Handler } from './types.js';

type Stream = typeof streamContract;

const notFound = () => new VodkitError('VIDEO_NOT_FOUND');

/** GET and HEAD /stream/videos/:vid: what Go's http.ServeContent does, with validators that survive restarts. */
export function streamHandler(
  store: Store,
  storage: VideoStorage,
  idleTimeoutMs: number,
): Handler<Stream['streamVideo']> {
  return async ({ params, request }) => {
    const video = await store.videos.find(params.vid);
    if (video?.status !== 'ready') throw notFound();
    const file = await storage.stat(video.id);
    // A ready video without its file is one the scheduler is removing.
    if (!file) throw notFound();

    const validators: Validators = { etag: etagFor(file.size, file.mtimeMs), lastModified: new Date(file.mtimeMs) };
    const headers: AnswerHeaders = {
      'accept-ranges': 'bytes',
      etag: validators.etag,
      'last-modified': httpDate(validators.lastModified),
    };
    const empty = (status: number) => ({ kind: 'bytes', status, headers, body: undefined }) as const;
    if (isNotModified(request.headers, validators)) return empty(304);

    const range = ifRangeAllows(request.headers, validators)
      ? parseRange(request.headers.get('range'), file.size)
      : ({ kind: 'full' } as const);
    if (range.kind === 'unsatisfiable') {
      throw new VodkitError('RANGE_NOT_SATISFIABLE', { headers: { 'content-range': `bytes */${file.size}` } });
    }
    const contentType = video.contentType ?? 'application/octet-stream';
    const open = ({ start, end }: ByteRange) => storage.read(video.id, start, end);

    if (range.kind === 'partial' && range.ranges.length > 1) {
      const multipart = multipartByteranges({
        ranges: range.ranges,
        size: file.size,
        contentType,
        open: (part) => open(part).stream(),
      });
      headers['content-type'] = multipart.contentType;
      headers['content-length'] = String(multipart.contentLength);
      return new Response(multipart.body, { status: 206, headers });
    }

    const { start, end } = range.kind === 'partial' ? (range.ranges[0] as ByteRange) : { start: 0, end: file.size - 1 };
    headers['content-type'] = contentType;
    headers['content-length'] = String(end - start + 1);
    if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${file.size}`;
    const status = range.kind === 'partial' ? 206 : 200;
    if (end < start) return empty(status);
    const source = open({ start, end });
    if (!source.file) return new Response(lazyStream(source.stream), { status, headers });
    return {
      kind: 'file',
      status,
      headers,
      file: { ...source.file, idleTimeoutMs, version: file.version },
      open: source.stream,
    };
  };
}
