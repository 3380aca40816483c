import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errors } from './responses.js';
import { Video, VideoParams } from './schemas.js';

const c = initContract();

/** Bytes of a video file; the content type is the one stored with the video. */
const videoBytes = c.otherResponse({ contentType: 'video/*', body: c.type<ReadableStream<Uint8Array>>() });

export const RangeHeaders = z.object({
  range: z.string().optional().describe('bytes=a-b, bytes=a- or bytes=-n; several ranges answer multipart/byteranges'),
  'if-range': z.string().optional().describe('an ETag or date: the range only if the file is still that one'),
  'if-none-match': z.string().optional().describe('304 if the ETag matches'),
  'if-modified-since': z.string().optional().describe('304 if the file is not newer'),
});

/** The stream service: progressive download with Range, and uploads. */
export const streamContract = c.router(
  {
    streamVideo: {
      method: 'GET',
      path: '/stream/videos/:vid',
      pathParams: VideoParams,
      headers: RangeHeaders,
      responses: {
        200: videoBytes,
        206: videoBytes,
        304: c.noBody(),
        ...errors(404, 416, 429),
      },
      summary: 'The video file: whole, one range (206) or several (multipart/byteranges); HEAD too',
    },
    uploadVideo: {
      method: 'POST',
      path: '/upload/videos/:vid',
      pathParams: VideoParams,
      contentType: 'multipart/form-data',
      body: c.type<{ file: Blob } | Blob>(),
      responses: { 200: Video, ...errors(401, 403, 404, 408, 409, 413, 415, 429, 507) },
      metadata: { auth: 'session' } as const,
      summary: 'Upload the file of a pending video: raw video/* bytes, or multipart/form-data with the field "file"',
    },
  },
  { strictStatusCodes: true },
);
