import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errors } from './responses.js';
import { VideoParams } from './schemas.js';

const c = initContract();

/** The tus version vodkit speaks, sent as `Tus-Resumable` on every tus answer and required on every tus request but OPTIONS. */
export const TUS_VERSION = '1.0.0';

/** The tus 1.0 extensions vodkit offers, as `Tus-Extension` lists them. */
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'] as const;

/** The media type of the bytes of a PATCH (and of a creation that carries its first bytes). */
export const TUS_BYTES_TYPE = 'application/offset+octet-stream';

/** The id of a resumable upload: 128 random bits as 32 lower-case hex digits. */
export const UploadIdParams = z.object({
  upload_id: z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be a resumable upload id (32 hex digits)' }),
});

/** A non-negative count of bytes, written as decimal digits only (no sign, no exponent, no spaces). */
const byteCount = z
  .string()
  .regex(/^\d{1,16}$/, { message: 'must be a non-negative integer number of bytes' })
  .transform(Number)
  .pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER));

const tusResumable = z.string().describe(`the tus version: ${TUS_VERSION} (412 otherwise)`);

export const TusCreationHeaders = z.object({
  'tus-resumable': tusResumable,
  'upload-length': byteCount.describe('the size of the whole file in bytes; Upload-Defer-Length is not offered'),
  'upload-metadata': z.string().optional().describe('tus metadata (key base64 pairs); accepted and not stored'),
  'content-type': z.string().optional().describe(`${TUS_BYTES_TYPE} when the first bytes come with the creation`),
});

export const TusPatchHeaders = z.object({
  'tus-resumable': tusResumable,
  'upload-offset': byteCount.describe("where these bytes start: the upload's offset, as HEAD gives it"),
  'content-type': z.string().describe(TUS_BYTES_TYPE),
});

export const TusHeaders = z.object({ 'tus-resumable': tusResumable });

/** The bytes of a PATCH or of a creation-with-upload. */
const uploadBytes = c.type<Blob | ReadableStream<Uint8Array> | Uint8Array>();

/**
 * tus has HEAD and OPTIONS routes, which ts-rest cannot declare: they are written with the method
 * ts-rest knows that has no body (GET) and the real one in `metadata.method`, which vodkit's router
 * and the OpenAPI generator read. The typed client leaves these routes to tus-js-client.
 */
const head = { method: 'HEAD' } as const;
const options = { method: 'OPTIONS' } as const;
const session = { auth: 'session' } as const;

/**
 * Resumable uploads (tus 1.0) on the stream service, beside the one-shot upload. Every answer,
 * errors included, carries `Tus-Resumable: 1.0.0`; errors keep the one JSON error shape.
 */
export const resumableContract = c.router(
  {
    discoverCreation: {
      method: 'GET',
      path: '/upload/videos/:vid/resumable',
      pathParams: VideoParams,
      responses: { 204: c.noBody(), ...errors() },
      metadata: options,
      summary: 'tus discovery: Tus-Version, Tus-Extension and Tus-Max-Size (OPTIONS, no session)',
    },
    createUpload: {
      method: 'POST',
      path: '/upload/videos/:vid/resumable',
      pathParams: VideoParams,
      headers: TusCreationHeaders,
      body: uploadBytes,
      responses: { 201: c.noBody(), ...errors(401, 403, 404, 408, 409, 412, 413, 415, 429, 507) },
      metadata: session,
      summary:
        "Start a resumable upload of a pending video (tus creation; first bytes may come along): 201 with Location, Upload-Offset and Upload-Expires. Replaces the video's unfinished upload",
    },
    discoverUpload: {
      method: 'GET',
      path: '/upload/resumable/:upload_id',
      pathParams: UploadIdParams,
      responses: { 204: c.noBody(), ...errors() },
      metadata: options,
      summary: 'tus discovery, as at the creation URL (OPTIONS, no session)',
    },
    uploadOffset: {
      method: 'GET',
      path: '/upload/resumable/:upload_id',
      pathParams: UploadIdParams,
      headers: TusHeaders,
      responses: { 200: c.noBody(), ...errors(401, 403, 404, 412) },
      metadata: { ...head, ...session },
      summary: 'How many bytes the upload has: Upload-Offset and Upload-Length (HEAD)',
    },
    appendUpload: {
      method: 'PATCH',
      path: '/upload/resumable/:upload_id',
      pathParams: UploadIdParams,
      headers: TusPatchHeaders,
      body: uploadBytes,
      responses: { 204: c.noBody(), ...errors(401, 403, 404, 408, 409, 412, 415, 429, 507) },
      metadata: session,
      summary:
        'Append bytes at Upload-Offset: 204 with the new Upload-Offset and Upload-Expires; the last byte makes the video ready',
    },
    terminateUpload: {
      method: 'DELETE',
      path: '/upload/resumable/:upload_id',
      pathParams: UploadIdParams,
      headers: TusHeaders,
      body: c.noBody(),
      responses: { 204: c.noBody(), ...errors(401, 403, 404, 412) },
      metadata: session,
      summary: 'End the upload and remove its bytes (tus termination)',
    },
  },
  { strictStatusCodes: true },
);
